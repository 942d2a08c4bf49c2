"""The "teams" import: specialist teams (科技特派团) with their members, one row per member.

A team is matched by its name: a new one is created, a stored one gets the lead organisation, level,
year and leader its rows give. Each team in the file has exactly one row marked 团长 (its leader);
a team's rows that give its lead organisation, level or year give the same one. Members are found
by ID number or mobile among the specialists already stored (import the specialists first); the
lead organisation by its exact name among the organisations stored.

Members of a team in the file who are not listed leave it only with the option `members_leave`:
without it they stay (the plan says how many), so that a sheet that adds members to a team, the
common case, never empties it; and a team member has no dates, so leaving deletes the membership
and that is shown in the preview first (LEAVE, "team member"). A stored leader who is not listed
any more stays as a plain member unless members leave.

Teams are of the whole city, so only coordinators of a city or wider import them. A place limited
to a division names only the specialists it manages, and changes only the teams it sees (those
whose members serve in it) or teams with no member assigned anywhere yet.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from specialists.access.scope import in_place
from specialists.imports.placements import ID_NUMBER, MOBILE, NAME, ReadThenWrite, Specialists, Table, Write
from specialists.people.models import Organisation, Team, TeamMembership
from villages.imports import kinds
from villages.imports.files import CSV, XLSX
from villages.imports.plans import CREATE, LEAVE, UNCHANGED, UPDATE, Change, Plan
from villages.imports.tables import Column
from villages.places import ALL, CITY, PROVINCE

Role = TeamMembership.Role
LEVELS = {"市级": Team.Level.CITY, "省级": Team.Level.PROVINCIAL, "city": Team.Level.CITY, "provincial": Team.Level.PROVINCIAL}
LEVEL_TEXT = {Team.Level.CITY: "市级", Team.Level.PROVINCIAL: "省级"}
ROLES = {"团长": Role.LEADER, "副团长": Role.DEPUTY, "成员": Role.MEMBER, "团员": Role.MEMBER, "": Role.MEMBER}
ROLE_TEXT = {Role.LEADER: "团长", Role.DEPUTY: "副团长", Role.MEMBER: "成员"}


def _year(text):
    text = (text or "").strip().removesuffix("年")
    return int(text) if text.isdigit() else None


class Teams(ReadThenWrite):
    name = "teams"
    label = gettext_lazy("Teams and their members")
    formats = (XLSX, CSV)
    columns = (
        Column("team", "特派团名称", aliases=("所属特派团", "团队名称", "特派团"), required=True, help=gettext_lazy("The team's name: a team is matched by it.")),
        Column("lead_organisation", "牵头单位", aliases=("牵头单位名称",), help=gettext_lazy("The lead organisation's name, as stored; needed for a new team.")),
        Column("level", "级别", aliases=("特派团级别",), choices=("市级", "省级"), help=gettext_lazy("市级 or 省级; blank: 市级 for a new team.")),
        Column("year", "选派年度", aliases=("年度",), help=gettext_lazy("The year the team was selected; needed for a new team.")),
        NAME, ID_NUMBER, MOBILE,
        Column("role", "团内职务", aliases=("职务", "团内分工"), choices=("团长", "副团长", "成员"), help=gettext_lazy("团长 (one per team), 副团长 or 成员 (blank).")),
    )
    options = {
        "encoding": gettext_lazy("The CSV file's encoding (read from the file when not given)"),
        "members_leave": gettext_lazy("Members of a team in the file who are not listed leave the team"),
    }

    def allowed(self, place):
        return place.level in (ALL, PROVINCE, CITY)

    def _read(self, upload, place, options):
        options = dict(options or {})
        members_leave = options.get("members_leave") in (True, "true", "1", "yes", 1)
        table = Table(upload, self.columns, options)
        plan = table.start(Plan(self.name))
        writes = []
        if not table.rows:
            return plan, writes
        h = table.header
        specialists = Specialists(table.rows, place)
        names = {(values.get("team") or "").strip() for _n, values in table.rows} - {""}
        stored = {team.name: team for team in Team.objects.filter(name__in=names).select_related("lead_organisation", "leader")}
        if stored and not place.is_everywhere:
            seen = set(in_place(Team.objects.filter(pk__in=[t.pk for t in stored.values()]), place).values_list("pk", flat=True))
            placed = set(Team.objects.filter(pk__in=[t.pk for t in stored.values()], memberships__specialist__village_assignments__isnull=False)
                         .values_list("pk", flat=True))
            outside = {name for name, team in stored.items() if team.pk not in seen and team.pk in placed}
        else:
            outside = set()
        memberships = {}
        for membership in TeamMembership.objects.filter(team__in=stored.values()).select_related("specialist"):
            memberships.setdefault(membership.team_id, {})[membership.specialist_id] = membership
        organisations = {o.name: o for o in Organisation.objects.filter(
            name__in={(values.get("lead_organisation") or "").strip() for _n, values in table.rows} - {""})}

        # The rows of each team, in the file's order, with what each row gives.
        groups = {}
        for number, values in table.rows:
            team_name = (values.get("team") or "").strip()
            if not team_name:
                plan.refuse(number, h("team"), _("Give the team's name."))
                continue
            if team_name in outside:
                plan.refuse(number, h("team"), _("The team %(name)s is outside %(place)s.") % {"name": team_name, "place": place.name})
                continue
            specialist = specialists.find(values, plan, number, table)
            role_text = (values.get("role") or "").strip()
            role = ROLES.get(role_text)
            if role is None:
                plan.refuse(number, h("role"), _("%(text)s is not a role in a team: write 团长, 副团长 or 成员.") % {"text": role_text})
            groups.setdefault(team_name, []).append((number, values, specialist, role))

        for team_name, rows in groups.items():
            self._team(plan, writes, team_name, rows, stored.get(team_name), memberships, organisations, members_leave, table)
        return plan, writes

    def _team(self, plan, writes, team_name, rows, team, memberships, organisations, members_leave, table):
        h = table.header
        refused = len(plan.problems)
        leaders = [number for number, _v, _s, role in rows if role == Role.LEADER]
        if len(leaders) != 1:
            numbers = [number for number, *_rest in rows]
            message = (_("The team %(team)s has no leader: mark one of its rows (%(rows)s) 团长.") if not leaders
                       else _("The team %(team)s has %(count)s leaders (rows %(rows)s): mark only one 团长."))
            plan.refuse((leaders or numbers)[0], h("role"), message % {
                "team": team_name, "count": len(leaders), "rows": "、".join(map(str, leaders or numbers))})
        wanted = {}  # team field -> (value, row)
        members = {}  # specialist pk -> (row, specialist, role)
        for number, values, specialist, role in rows:
            for key, field, read in (("lead_organisation", "lead_organisation", self._organisation(organisations)),
                                     ("level", "level", self._level), ("year", "year_selected", self._year_selected)):
                text = (values.get(key) or "").strip()
                if not text:
                    continue
                value, error = read(text)
                if error:
                    plan.refuse(number, h(key), error)
                elif field in wanted and wanted[field][0] != value:
                    plan.refuse(number, h(key), _("Row %(row)s gives the team %(team)s another %(column)s.") % {
                        "row": wanted[field][1], "team": team_name, "column": h(key)})
                else:
                    wanted.setdefault(field, (value, number))
            if specialist is None or role is None:
                continue
            if specialist.pk in members:
                plan.refuse(number, h("name"), _("%(name)s is listed in %(team)s twice (row %(row)s too).") % {
                    "name": specialist.name, "team": team_name, "row": members[specialist.pk][0]})
                continue
            members[specialist.pk] = (number, specialist, role)
        first = rows[0][0]
        if team is None:
            for field, key, message in (("lead_organisation", "lead_organisation", _("Give the lead organisation of the new team %(team)s.")),
                                        ("year_selected", "year", _("Give the year the new team %(team)s was selected."))):
                if field not in wanted:
                    plan.refuse(first, h(key), message % {"team": team_name})
        # A row refused before (its specialist or role) leaves the team unplanned: its leader may be that row.
        if len(plan.problems) > refused or any(specialist is None or role is None for _n, _v, specialist, role in rows):
            return
        leader = next(specialist for _n, specialist, role in members.values() if role == Role.LEADER)
        values = {field: value for field, (value, _row) in wanted.items()}
        candidate = Team(name=team_name, leader=leader, lead_organisation=values.get("lead_organisation") or team.lead_organisation,
                         level=values.get("level") or (team.level if team else Team.Level.CITY),
                         year_selected=values.get("year_selected") or team.year_selected)
        try:
            candidate.full_clean(exclude=["leader", "lead_organisation"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            columns = {"name": h("team"), "level": h("level"), "year_selected": h("year"), NON_FIELD_ERRORS: h("team")}
            for field, errors in error.error_dict.items():
                for e in errors:
                    for message in e.messages:
                        plan.refuse(first, columns.get(field, h("team")), message)
            return
        columns = {NON_FIELD_ERRORS: h("role"), "role": h("role"), "specialist": h("name")}
        if team is None:
            plan.add(Change(CREATE, "team", team_name, team_name, first, {
                "lead_organisation": [None, candidate.lead_organisation.name], "level": [None, candidate.level],
                "year_selected": [None, candidate.year_selected], "leader": [None, leader.name]}))
            writes.append(Write(first, lambda: candidate.save(force_insert=True), {NON_FIELD_ERRORS: h("team")}))
            current = {}
        else:
            fields = {}
            for field in ("lead_organisation", "level", "year_selected", "leader"):
                before, after = getattr(team, field), getattr(candidate, field)
                if before != after:
                    fields[field] = [str(before), str(after)]
            plan.add(Change(UPDATE if fields else UNCHANGED, "team", team_name, team_name, first, fields))
            current = memberships.get(team.pk, {})
        # Order of writes: members leave, then roles move away from leader, then the new leader: the
        # database holds one leader per team at every moment.
        leaving, demoted, others, leading = [], [], [], []
        for pk, membership in current.items():
            if pk in members:
                continue
            if members_leave:
                plan.add(Change(LEAVE, "team member", f"{team_name}/{membership.specialist.name}", membership.specialist.name, None,
                                {"role": [membership.role, None]}))
                leaving.append(Write(first, _deleter(membership), columns))
            elif membership.role == Role.LEADER:
                plan.add(Change(UPDATE, "team member", f"{team_name}/{membership.specialist.name}", membership.specialist.name, None,
                                {"role": [Role.LEADER, Role.MEMBER]}))
                demoted.append(Write(first, _role_setter(membership, Role.MEMBER), columns))
        stayed = sum(1 for pk in current if pk not in members)
        if stayed and not members_leave:
            plan.note(_("%(count)s members of %(team)s are not listed and stay in it; set the option members_leave to remove them.") % {
                "count": stayed, "team": team_name})
        for number, specialist, role in members.values():
            key = f"{team_name}/{specialist.name}"
            membership = current.get(specialist.pk)
            if membership is None:
                plan.add(Change(CREATE, "team member", key, specialist.name, number, {"role": [None, role]}))
                write = Write(number, _adder(candidate if team is None else team, specialist, role), columns)
            elif membership.role == role:
                plan.add(Change(UNCHANGED, "team member", key, specialist.name, number))
                continue
            else:
                plan.add(Change(UPDATE, "team member", key, specialist.name, number, {"role": [membership.role, role]}))
                write = Write(number, _role_setter(membership, role), columns)
                if membership.role == Role.LEADER:
                    demoted.append(write)
                    continue
            (leading if role == Role.LEADER else others).append(write)
        team_write = []
        if team is not None:
            team_write = [Write(first, _team_saver(team, candidate), {NON_FIELD_ERRORS: h("team")})]
        # A stored team's new leader is saved on the team after its membership says so.
        writes.extend([*leaving, *demoted, *others, *leading, *team_write])

    @staticmethod
    def _organisation(organisations):
        def read(text):
            found = organisations.get(text)
            if found is None:
                return None, _("No organisation is named %(name)s: import the organisations first.") % {"name": text}
            return found, ""
        return read

    @staticmethod
    def _level(text):
        level = LEVELS.get(text)
        return (level, "") if level else (None, _("%(text)s is not a team's level: write 市级 or 省级.") % {"text": text})

    @staticmethod
    def _year_selected(text):
        year = _year(text)
        return (year, "") if year else (None, _("%(text)s is not a year: write it as 2023.") % {"text": text})

    def export_rows(self, place):
        teams = Team.objects.select_related("lead_organisation")
        if not place.is_everywhere:
            teams = in_place(teams, place)
        memberships = (TeamMembership.objects.filter(team__in=teams).select_related("team__lead_organisation", "specialist")
                       .order_by("team__name", "role", "specialist__name", "specialist_id"))
        for m in memberships:
            yield {"team": m.team.name, "lead_organisation": m.team.lead_organisation.name, "level": LEVEL_TEXT[m.team.level],
                   "year": m.team.year_selected, "name": m.specialist.name, "id_number": m.specialist.id_number,
                   "mobile": m.specialist.mobile, "role": ROLE_TEXT[m.role]}


def _deleter(membership):
    return lambda: membership.delete()


def _role_setter(membership, role):
    def write():
        membership.role = role
        membership.save(update_fields=["role"])
    return write


def _adder(team, specialist, role):
    return lambda: TeamMembership.objects.create(team=team, specialist=specialist, role=role)


def _team_saver(team, candidate):
    def write():
        changed = [field for field in ("lead_organisation", "level", "year_selected", "leader") if getattr(team, field) != getattr(candidate, field)]
        for field in changed:
            setattr(team, field, getattr(candidate, field))
        if changed:
            team.save(update_fields=changed)
    return write


TEAMS = kinds.register(Teams())
