"""The four participant categories of section 2.1 of the 2023 Lai Châu plan.

They are part of the programme (Decision 1719/QĐ-TTg, sub-project 10.1), not demo data,
so every database gets them, including the test databases.
"""

from django.db import migrations

CATEGORIES = [
    (
        "a",
        "Cán bộ làm công tác quản lý, cán bộ làm công tác thông tin đối ngoại cấp tỉnh, "
        "cấp huyện, xã có biên giới",
        "Management cadres and foreign-information cadres at province, district and "
        "border-commune level",
    ),
    (
        "b",
        "Lãnh đạo, phóng viên, biên tập viên các cơ quan thông tấn, báo chí",
        "Leaders, reporters and editors of news agencies and the press",
    ),
    (
        "c",
        "Cán bộ phụ trách cổng, trang thông tin điện tử, thông tin đối ngoại của các sở, "
        "ban, ngành, Ủy ban nhân dân các cấp có biên giới",
        "Staff running e-portals, websites and foreign information of departments and of "
        "People's Committees at all levels that have a border",
    ),
    (
        "d",
        "Cán bộ cơ sở truyền thanh - truyền hình cấp huyện, đài truyền thanh cấp xã ở địa "
        "bàn có biên giới",
        "Staff of district radio-TV centres and commune radio stations in border areas",
    ),
]


def create_categories(apps, schema_editor):
    ParticipantCategory = apps.get_model("courses", "ParticipantCategory")
    for code, name_vi, name_en in CATEGORIES:
        ParticipantCategory.objects.update_or_create(
            code=code, defaults={"name_vi": name_vi, "name_en": name_en}
        )


def remove_categories(apps, schema_editor):
    apps.get_model("courses", "ParticipantCategory").objects.filter(
        code__in=[c[0] for c in CATEGORIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]

    operations = [migrations.RunPython(create_categories, remove_categories)]
