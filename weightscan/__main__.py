from weightscan.cli import main

raise SystemExit(main())
