from cftwatch.cli import main

main()
