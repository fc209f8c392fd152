"""The starter blueprint ``drgen init`` writes: commented, and valid for every strategy."""

from __future__ import annotations

import jinja2

from drgen import resources

OBJECTIVES = {
    "backup-restore": ("2h", "4h"),
    "pilot-light": ("1m", "30m"),
    "warm-standby": ("1m", "10m"),
    "hot-standby": ("1m", "5m"),
}


def starter_blueprint(strategy: str, name: str = "my-service") -> str:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(resources.templates_dir())),
                                     autoescape=False, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    rpo, rto = OBJECTIVES[strategy]
    return environment.get_template("starter.yaml.j2").render(strategy=strategy, name=name, rpo=rpo, rto=rto)
