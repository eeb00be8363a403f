from vulndesk.cli import main

main()
