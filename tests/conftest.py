import importlib
import os
from dataclasses import dataclass

import pytest
from hypothesis import settings as hypothesis_settings

from accounts.models import Role
from tests import factories as f

# The suite must never fail by chance: property tests run the same examples on every run
# (derandomized from the test's name). Random exploration is `make fuzz`, which loads the
# "explore" profile.
hypothesis_settings.register_profile("suite", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False, database=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


@dataclass
class World:
    """Two units with seats in different classes, a class still being planned, a trainer
    who teaches only one class — enough to tell every persona's view apart."""

    unit_a: object
    unit_b: object
    class_a: object  # unit A has seats, taught by `trainer`
    class_b: object  # unit B has seats
    class_planning: object  # unit A has seats but the class is not open yet
    session_a: object
    coordinator: object
    nominator_a: object
    nominator_b: object
    trainer: object
    other_trainer: object
    viewer: object
    outsider: object


@pytest.fixture
def world(db) -> World:
    unit_a = f.organisation(name="UBND huyện Mường Tè", code="107")
    unit_b = f.organisation(name="UBND huyện Phong Thổ", code="109")
    class_a = f.training_class(code="TTDN-2023-L3")
    class_b = f.training_class(code="TTDN-2023-L2")
    class_planning = f.training_class(
        code="TTDN-2024-L1", state="planning", start_date=class_a.start_date.replace(year=2024)
    )
    f.quota(class_a, unit_a, "a", 30)
    f.quota(class_a, unit_b, "c", 5)
    f.quota(class_b, unit_b, "a", 40)
    f.quota(class_planning, unit_a, "a", 10)
    trainer_user = f.user(Role.TRAINER, username="giangvien")
    other_trainer_user = f.user(Role.TRAINER, username="giangvien2")
    t = f.trainer(trainer_user, full_name="Lò Văn Pành")
    t2 = f.trainer(other_trainer_user, full_name="Tòng Thị Ánh")
    session_a = f.session(class_a, trainers=[t])
    f.session(class_b, trainers=[t2])
    return World(
        unit_a=unit_a,
        unit_b=unit_b,
        class_a=class_a,
        class_b=class_b,
        class_planning=class_planning,
        session_a=session_a,
        coordinator=f.user(Role.COORDINATOR, username="dieuphoi"),
        nominator_a=f.user(Role.NOMINATOR, unit_a, username="muongte"),
        nominator_b=f.user(Role.NOMINATOR, unit_b, username="phongtho"),
        trainer=trainer_user,
        other_trainer=other_trainer_user,
        viewer=f.user(Role.VIEWER, username="xem"),
        outsider=f.user("", username="nguoingoai"),
    )


@pytest.fixture(autouse=True)
def _data_migrations_survive_flush(request):
    """A transactional test ends by flushing every table, including the rows that data
    migrations created (the participant categories); put them back before each one."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if transactional:
        request.getfixturevalue("transactional_db")
        from django.apps import apps

        importlib.import_module("courses.migrations.0002_participant_categories").create_categories(
            apps, None
        )
        importlib.import_module("attendees.migrations.0002_ethnicities").load(apps, None)
        importlib.import_module("materials.migrations.0002_languages").load(apps, None)
