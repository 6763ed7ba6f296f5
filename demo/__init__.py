"""The demo: `python manage.py seed_demo` loads the 2023 Lai Châu plan with demo users and
every app's demo data (attendance, certificate settings and invitations, hand-outs).

It sits on top of the layers: it imports the apps it fills, and nothing imports it.
"""
