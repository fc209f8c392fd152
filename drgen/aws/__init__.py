"""drgen against AWS with boto3: ``drgen bootstrap`` (``bootstrap``), ``drgen deploy`` (``deploy``), ``drgen
destroy`` (``destroy``), the clients and error translation (``clients``), and ``drgen redrive`` (``redrive``).

``results`` holds what the caller passes and gets back (``DeployOptions``, ``Event``, ``DeployResult``);
``operations`` the run's state and the waiting on StackSet operations and stacks shared by every command;
``artifacts``, ``values``, ``stacksets`` and ``stacks`` one part each of a deployment. See docs/deploying.md.
"""
