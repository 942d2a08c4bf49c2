"""Refuse by default: every related field a request may write draws from the user's scope.

A serializer that names rows (a specialist by id, a village or county-level unit by code, a team,
an industry) inherits ScopedRelatedFields. Each of its writable related fields starts from no
rows at all, and is given the user's own selector for its model when the serializer is made
for a request; a field may name a narrower selector in `scoped_fields` (a county coordinator
names in an assignment only the specialists it manages). So a row outside the scope answers
"does not exist", exactly as one that does not exist, and a serializer made without a request
accepts no row at all. (openwisp-users' FilterSerializerByOrgManaged does the same.)
"""

from rest_framework import serializers
from rest_framework.relations import ManyRelatedField, RelatedField

from specialists.access.divisions import cities_for, counties_for, industries_for, provinces_for, towns_for, villages_for
from specialists.people.models import Organisation, Specialist, Team
from specialists.people.selectors import organisations_for, specialists_for, teams_for
from villages.models import City, County, Industry, Province, Town, Village

# The selector of each model a request may name.
SELECTORS = {
    Province: provinces_for, City: cities_for, County: counties_for, Town: towns_for, Village: villages_for,
    Industry: industries_for, Organisation: organisations_for, Specialist: specialists_for, Team: teams_for,
}


class ScopedRelatedFields(serializers.Serializer):
    """A serializer whose writable related fields hold only what the request's user may name (see the module)."""

    # field name -> selector(user), for a field narrower than its model's selector.
    scoped_fields = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for name, field in self.fields.items():
            relation = field.child_relation if isinstance(field, ManyRelatedField) else field
            if not isinstance(relation, RelatedField) or relation.read_only:
                continue
            model = relation.queryset.model
            selector = self.scoped_fields.get(name) or SELECTORS[model]
            relation.queryset = selector(user) if user is not None else model.objects.none()
