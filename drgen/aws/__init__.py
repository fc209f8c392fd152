"""drgen against AWS with boto3: ``drgen bootstrap`` (``bootstrap``), ``drgen deploy`` (``deploy``), ``drgen
destroy`` (``destroy``), the clients and error translation (``clients``), and ``drgen redrive`` (``redrive``).

``results`` holds what the caller passes and gets back (``DeployOptions``, ``Event``, ``DeployResult``);
``operations`` the run's state and the waiting on StackSet operations and stacks shared by every command;
``artifacts``, ``values``, ``stacksets`` and ``stacks`` one part each of a deployment; ``preview`` is ``drgen
diff --deployed`` (change sets never executed, drift detection) made of those parts, ``preview_report`` its
report. See docs/deploying.md.
"""
