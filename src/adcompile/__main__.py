from adcompile.cli import main

raise SystemExit(main())
