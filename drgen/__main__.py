from drgen.cli import main

raise SystemExit(main())
