"""The offline demo: bundled Weibo-, Tieba- and RSS-style sources about fictional brands,
with steady everyday traffic and a scripted crisis (see world.py, crisis.py, server.py)."""
