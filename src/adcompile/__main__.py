from adcompile._src.tools.cli import main

raise SystemExit(main())
