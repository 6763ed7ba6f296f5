"""The nominating unit's panel on the landing page (courses/home.py): the open classes
with what is left for *this unit*, and the nominations returned to it. Free seats are read
through `attendees.services.quota_use`. Registered in AttendeesConfig.ready()."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from attendees.models import LIVE_STATES, Nomination, NominationState
from attendees.services import quota_use
from courses.home import SHOWN
from courses.models import ClassState, ParticipantCategory, TrainingClass


@dataclass
class UnitClass:
    """One open class as a unit sees it: what is left for *this unit*, not the class."""

    klass: TrainingClass
    free: list[tuple[ParticipantCategory, int, int]] = field(
        default_factory=list
    )  # cat, free, quota
    drafts: int = 0

    @property
    def free_total(self) -> int:
        return sum(free for _c, free, _q in self.free)


def nominator_home(user) -> dict:
    unit_id = user.organisation_id
    classes = list(
        TrainingClass.objects.visible_to(user)
        .filter(state=ClassState.NOMINATING)
        .order_by("start_date", "code")
    )
    ids = [k.pk for k in classes]
    # A unit's free seats count every live nomination (a draft holds its place in the
    # unit's list too), as the unit's own seat table does.
    use = quota_use(ids, LIVE_STATES)
    categories = {c.pk: c for c in ParticipantCategory.objects.all()}
    drafts = dict(
        Nomination.objects.filter(
            training_class__in=ids, organisation=unit_id, state=NominationState.DRAFT
        )
        .values_list("training_class")
        .annotate(n=Count("pk"))
    )
    rows = {k.pk: UnitClass(k, drafts=drafts.get(k.pk, 0)) for k in classes}
    for (class_id, org_id, cat_id), u in sorted(
        use.items(), key=lambda kv: categories[kv[0][2]].code
    ):
        # Another unit's quota is none of this unit's business: only its own keys.
        if org_id == unit_id and u.seats:
            rows[class_id].free.append((categories[cat_id], u.free, u.seats))
    returned = list(
        Nomination.objects.filter(organisation=unit_id, state=NominationState.RETURNED)
        .filter(training_class__in=TrainingClass.objects.visible_to(user))
        .select_related("participant", "training_class", "category")
        .order_by("-decided_at", "pk")[: SHOWN + 1]
    )
    return {
        "role": "nominator",
        "unit": user.organisation,
        "open_classes": list(rows.values()),
        "returned": returned[:SHOWN],
        "more_returned": len(returned) > SHOWN,
    }
