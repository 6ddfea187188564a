"""A loopback veilarbdialog for the dialogue connector's tests, and a checker for the published schema.

``FakeDialog`` serves, under ``/veilarbdialog``, what a caseworker's client uses (paths and DTOs as
in navikt/veilarbdialog's ``DialogRessurs`` and ``schema.graphqls``):

* ``GET|POST /api/dialog/sistOppdatert`` → ``{"sistOppdatert": <epoch ms | null>}``
* ``GET /api/dialog?fnr=`` → ``[DialogDTO]``; ``GET /api/dialog/{id}`` → ``DialogDTO``
* ``POST /api/dialog?fnr=`` with ``NyHenvendelseDTO`` → ``DialogDTO`` (new dialogue when ``dialogId``
  is null)
* ``PUT /api/dialog/{id}/ferdigbehandlet/{true|false}`` → ``DialogDTO``
* ``POST /graphql`` with the ``dialoger(fnr)`` query: answers only the selected fields and refuses
  fields the schema does not have, as a GraphQL server does.

A Bearer token is required (401 otherwise); a person outside ``access`` gives 403 on REST and
``errors: [{"message": "Ikke tilgang"}]`` on GraphQL, like the real service. ``calls`` records
(method, path) of every request.

``Schema`` reads ``schema.graphqls`` (object types, enums, scalars) so tests can check that every
DialogDTO/HenvendelseDTO the fake sends has the published field names and types. The tests read the
excerpt in ``veilarbdialog/`` beside this file; ``make eval`` compares it with the published schema.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# The parts of the published schema the connector uses, committed beside this file (MIT, see its LICENSE.md);
# `make eval` checks them against the whole published spec.
SPEC_DIR = Path(__file__).resolve().parent / "veilarbdialog"
SCHEMA_PATH = SPEC_DIR / "schema.graphqls"
TOKEN = "test-bearer-token"


# -- the published schema ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldType:
    name: str
    is_list: bool = False


@dataclass
class Schema:
    types: dict[str, dict[str, FieldType]] = field(default_factory=dict)
    enums: dict[str, set[str]] = field(default_factory=dict)
    scalars: set[str] = field(default_factory=lambda: {"String", "Boolean", "Int", "Float", "ID"})

    @classmethod
    def load(cls, path: Path = SCHEMA_PATH) -> Schema:
        text = re.sub(r"#[^\n]*", "", path.read_text(encoding="utf-8"))
        schema = cls()
        for m in re.finditer(r"\bscalar\s+(\w+)", text):
            schema.scalars.add(m.group(1))
        for m in re.finditer(r"\benum\s+(\w+)\s*\{([^}]*)\}", text):
            schema.enums[m.group(1)] = set(re.findall(r"\w+", m.group(2)))
        for m in re.finditer(r"\btype\s+(\w+)\s*\{([^}]*)\}", text):
            fields: dict[str, FieldType] = {}
            for fm in re.finditer(r"(\w+)\s*(?:\([^)]*\))?\s*:\s*(\[?)\s*(\w+)\s*!?\s*\]?", m.group(2)):
                fields[fm.group(1)] = FieldType(fm.group(3), bool(fm.group(2)))
            schema.types[m.group(1)] = fields
        return schema

    def problems(self, value: Any, type_name: str, where: str = "") -> list[str]:
        """Every way ``value`` (a JSON object) strays from ``type_name``'s fields and their types."""
        where = where or type_name
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        fields = self.types[type_name]
        out = [f"{where}.{k}: not a field of {type_name}" for k in value if k not in fields]
        for name, ftype in fields.items():
            if name in value:
                out.extend(self._check(value[name], ftype, f"{where}.{name}"))
        return out

    def _check(self, value: Any, ftype: FieldType, where: str) -> list[str]:
        if value is None:
            return []
        if ftype.is_list:
            if not isinstance(value, list):
                return [f"{where}: expected a list"]
            return [p for i, v in enumerate(value) for p in self._check(v, FieldType(ftype.name), f"{where}[{i}]")]
        t = ftype.name
        if t in self.types:
            return self.problems(value, t, where)
        if t in self.enums:
            return [] if value in self.enums[t] else [f"{where}: {value!r} is not a {t}"]
        if t in ("String", "ID"):
            return [] if isinstance(value, str) else [f"{where}: expected a String"]
        if t == "Boolean":
            return [] if isinstance(value, bool) else [f"{where}: expected a Boolean"]
        if t == "Int":
            return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{where}: expected an Int"]
        if t in ("Date", "ZonedDateTime"):
            try:
                ok = isinstance(value, str) and datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo
            except ValueError:
                ok = False
            return [] if ok else [f"{where}: expected an ISO 8601 {t} with offset"]
        return [f"{where}: unknown type {t}"]


# -- a tiny reader for the selection sets of a query --------------------------------------------------
_TOKEN = re.compile(r"\s*(?:(\.\.\.)|([{}():,!=\[\]$@])|([_A-Za-z][_0-9A-Za-z]*)|(\"(?:[^\"\\]|\\.)*\")|(-?[\d.]+))")


def _tokens(query: str) -> list[str]:
    out, pos = [], 0
    query = re.sub(r"#[^\n]*", "", query)
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if not m or m.end() == pos:
            if query[pos:].strip() == "":
                break
            raise ValueError(f"unexpected character at {pos}")
        out.append(next(g for g in m.groups() if g is not None))
        pos = m.end()
    return out


def selection(query: str, root: str) -> dict[str, Any]:
    """The selection set under the field ``root`` as nested dicts ({field: sub-selection or {}})."""
    toks = _tokens(query)

    def skip_parens(i: int) -> int:
        depth = 0
        while i < len(toks):
            if toks[i] == "(":
                depth += 1
            elif toks[i] == ")":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        raise ValueError("unbalanced parentheses")

    def block(i: int) -> tuple[dict[str, Any], int]:
        assert toks[i] == "{"
        i += 1
        out: dict[str, Any] = {}
        while toks[i] != "}":
            if toks[i] == ",":
                i += 1
                continue
            name = toks[i]
            i += 1
            if i < len(toks) and toks[i] == ":":  # alias: keep the real field name
                name = toks[i + 1]
                i += 2
            if toks[i] == "(":
                i = skip_parens(i)
            sub: dict[str, Any] = {}
            if toks[i] == "{":
                sub, i = block(i)
            out[name] = sub
        return out, i + 1

    for i, tok in enumerate(toks):
        if tok == root and i > 0 and toks[i - 1] in ("{", ","):
            j = skip_parens(i + 1) if toks[i + 1] == "(" else i + 1
            if toks[j] == "{":
                return block(j)[0]
    raise ValueError(f"no {root} field in the query")


def project(value: Any, sel: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [project(v, sel) for v in value]
    if not isinstance(value, dict) or not sel:
        return value
    return {k: project(value.get(k), sub) for k, sub in sel.items()}


def unknown_fields(schema: Schema, sel: dict[str, Any], type_name: str) -> list[str]:
    out = []
    for name, sub in sel.items():
        ftype = schema.types[type_name].get(name)
        if ftype is None:
            out.append(f"{type_name}.{name}")
        elif sub:
            out.extend(unknown_fields(schema, sub, ftype.name))
    return out


# -- the server --------------------------------------------------------------------------------------
def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def millis(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


@dataclass
class _Person:
    aktor_id: str
    dialoger: list[dict[str, Any]]
    sist: int | None


class FakeDialog:
    """In-memory veilarbdialog (see the module docstring)."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.schema = Schema.load()
        self.persons: dict[str, _Person] = {}
        self.access: set[str] | None = None  # None: every person
        self.calls: list[tuple[str, str]] = []
        self.posted: list[dict[str, Any]] = []
        self.fail_next: list[tuple[int, dict[str, str]]] = []
        self._next_dialog = 900_000
        self._next_henvendelse = 90_000_000
        self.app = Starlette(routes=[
            Route("/veilarbdialog/api/dialog/sistOppdatert", self._sist, methods=["GET", "POST"]),
            Route("/veilarbdialog/api/dialog", self._list, methods=["GET"]),
            Route("/veilarbdialog/api/dialog", self._create, methods=["POST"]),
            Route("/veilarbdialog/api/dialog/{dialog_id:int}", self._get, methods=["GET"]),
            Route("/veilarbdialog/api/dialog/{dialog_id:int}/ferdigbehandlet/{value}", self._ferdig,
                  methods=["PUT"]),
            Route("/veilarbdialog/graphql", self._graphql, methods=["POST"]),
        ])

    # -- test data ----------------------------------------------------------------------------------
    def load(self, path: Path) -> None:
        """Load a dump shaped like flerkanal/demo/dialog.json: [{fnr, aktorId, dialoger: [DialogDTO]}]."""
        for block in json.loads(path.read_text(encoding="utf-8")):
            self.add_person(block["fnr"], block.get("aktorId") or "", block["dialoger"])

    def add_person(self, fnr: str, aktor_id: str = "", dialoger: list[dict[str, Any]] | None = None) -> None:
        dialoger = dialoger or []
        times = [datetime.fromisoformat(h["sendt"]) for d in dialoger for h in d.get("henvendelser") or ()]
        self.persons[fnr] = _Person(aktor_id, dialoger, millis(max(times)) if times else None)

    def dialog(self, dialog_id: str) -> tuple[str, dict[str, Any]]:
        for fnr, p in self.persons.items():
            for d in p.dialoger:
                if d["id"] == dialog_id:
                    return fnr, d
        raise KeyError(dialog_id)

    def add_henvendelse(self, fnr: str, dialog_id: str | None, tekst: str, *, avsender: str = "BRUKER",
                        overskrift: str = "Ny dialog", sendt: datetime | None = None,
                        avsender_id: str | None = None) -> dict[str, Any]:
        """Add a message (and a dialogue when ``dialog_id`` is None); bumps sistOppdatert."""
        person = self.persons[fnr]
        sendt = sendt or datetime.now(UTC).replace(microsecond=0)
        if dialog_id is None:
            self._next_dialog += 1
            dialog: dict[str, Any] = {
                "id": str(self._next_dialog), "aktivitetId": None, "overskrift": overskrift, "sisteTekst": tekst,
                "sisteDato": iso(sendt), "opprettetDato": iso(sendt), "historisk": False, "lest": False,
                "venterPaSvar": False, "ferdigBehandlet": avsender == "VEILEDER", "lestAvBrukerTidspunkt": None,
                "erLestAvBruker": False, "oppfolgingsperiode": None, "henvendelser": [], "egenskaper": [],
                "kontorsperreEnhetId": None,
            }
            person.dialoger.append(dialog)
        else:
            dialog = next(d for d in person.dialoger if d["id"] == dialog_id)
        self._next_henvendelse += 1
        h = {"id": str(self._next_henvendelse), "dialogId": dialog["id"], "avsender": avsender,
             "avsenderId": avsender_id if avsender == "VEILEDER" else None, "sendt": iso(sendt), "lest": False,
             "viktig": False, "tekst": tekst}
        dialog["henvendelser"].append(h)
        dialog["sisteTekst"], dialog["sisteDato"] = tekst, iso(sendt)
        if avsender == "BRUKER":
            dialog["ferdigBehandlet"] = False
        self.touch(fnr)
        return h

    def touch(self, fnr: str) -> None:
        person = self.persons[fnr]
        person.sist = max(millis(datetime.now(UTC)), (person.sist or 0) + 1)

    def count(self, method: str, path_suffix: str) -> int:
        return sum(1 for m, p in self.calls if m == method and p.endswith(path_suffix))

    # -- plumbing ---------------------------------------------------------------------------------
    def _check(self, request: Request) -> Response | None:
        self.calls.append((request.method, request.url.path))
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        if self.fail_next:
            status, headers = self.fail_next.pop(0)
            return JSONResponse({"message": "canned failure"}, status_code=status, headers=headers)
        return None

    def _person(self, fnr: str | None) -> tuple[_Person | None, Response | None]:
        if not fnr or fnr not in self.persons:
            return None, JSONResponse({"message": "Finner ikke bruker"}, status_code=404 if fnr else 400)
        if self.access is not None and fnr not in self.access:
            return None, JSONResponse({"message": "Ikke tilgang"}, status_code=403)
        return self.persons[fnr], None

    async def _sist(self, request: Request) -> Response:
        if (refused := self._check(request)) is not None:
            return refused
        fnr = request.query_params.get("fnr")
        if request.method == "POST":
            body = json.loads(await request.body() or b"null")
            fnr = body.get("fnr") if isinstance(body, dict) else None
        person, refused = self._person(fnr)
        if person is None:
            return refused or Response(status_code=500)
        return JSONResponse({"sistOppdatert": person.sist})

    async def _list(self, request: Request) -> Response:
        if (refused := self._check(request)) is not None:
            return refused
        person, refused = self._person(request.query_params.get("fnr"))
        if person is None:
            return refused or Response(status_code=500)
        return JSONResponse(person.dialoger)

    async def _get(self, request: Request) -> Response:
        if (refused := self._check(request)) is not None:
            return refused
        try:
            return JSONResponse(self.dialog(str(request.path_params["dialog_id"]))[1])
        except KeyError:
            return JSONResponse({"message": "Finner ikke dialog"}, status_code=404)

    async def _create(self, request: Request) -> Response:
        if (refused := self._check(request)) is not None:
            return refused
        fnr = request.query_params.get("fnr")
        if fnr is None and (aktor := request.query_params.get("aktorId")):
            fnr = next((f for f, p in self.persons.items() if p.aktor_id == aktor), None)
        person, refused = self._person(fnr)
        if person is None or fnr is None:
            return refused or Response(status_code=500)
        body = json.loads(await request.body())
        self.posted.append(body)
        if not isinstance(body.get("tekst"), str) or not body["tekst"]:
            return JSONResponse({"message": "tekst mangler"}, status_code=400)
        dialog_id = body.get("dialogId")
        if dialog_id is not None and not any(d["id"] == dialog_id for d in person.dialoger):
            return JSONResponse({"message": "Finner ikke dialog"}, status_code=400)
        h = self.add_henvendelse(fnr, dialog_id, body["tekst"], avsender="VEILEDER",
                                 overskrift=body.get("overskrift") or "", avsender_id="Z990001")
        return JSONResponse(self.dialog(h["dialogId"])[1])

    async def _ferdig(self, request: Request) -> Response:
        if (refused := self._check(request)) is not None:
            return refused
        value = request.path_params["value"]
        if value not in ("true", "false"):
            return JSONResponse({"message": "Bad Request"}, status_code=400)
        try:
            fnr, dialog = self.dialog(str(request.path_params["dialog_id"]))
        except KeyError:
            return JSONResponse({"message": "Finner ikke dialog"}, status_code=404)
        dialog["ferdigBehandlet"] = value == "true"
        dialog["lest"] = True
        self.touch(fnr)
        return JSONResponse(dialog)

    async def _graphql(self, request: Request) -> Response:
        if (refused := self._check(request)) is not None:
            return refused
        body = json.loads(await request.body())
        query, variables = body.get("query"), body.get("variables") or {}
        try:
            sel = selection(query, "dialoger")
        except (ValueError, IndexError, AssertionError):
            return JSONResponse({"errors": [{"message": "Invalid Syntax",
                                             "extensions": {"classification": "InvalidSyntax"}}], "data": None})
        unknown = unknown_fields(self.schema, sel, "DialogDTO")
        if unknown:
            return JSONResponse({"errors": [{"message": f"Validation error: unknown field {u}",
                                             "extensions": {"classification": "ValidationError"}} for u in unknown],
                                 "data": None})
        fnr = variables.get("fnr")
        if not fnr or fnr not in self.persons or (self.access is not None and fnr not in self.access):
            return JSONResponse({"errors": [{"message": "Ikke tilgang", "path": ["dialoger"]}],
                                 "data": {"dialoger": None}})
        return JSONResponse({"data": {"dialoger": project(self.persons[fnr].dialoger, sel)}})
