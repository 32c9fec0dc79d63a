from tests.crawlers.mockserver.server import main

main()
