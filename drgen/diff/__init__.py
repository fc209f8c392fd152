"""``drgen diff``: the review-grade difference of two renders.

Per template, the resources added, changed and removed (with counts), each change by property path with its values
shown whole; changes CloudFormation makes by replacing a resource are marked (from the resource schemas' create-only
properties), and replacing or deleting a resource that holds data is flagged as dangerous. The plan's changes, the
changed artifacts and the runbook as a unified diff follow. Text, markdown (for pull requests) or JSON.
"""

from drgen.diff.compare import Change, Diff, ResourceChange, TemplateDiff, diff_files
from drgen.diff.files import read_render

__all__ = ["Change", "Diff", "ResourceChange", "TemplateDiff", "diff_files", "read_render"]
