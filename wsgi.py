from pos import create_app

app = create_app()
