from tipdb.cli import main

raise SystemExit(main())
