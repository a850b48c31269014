"""The one route x role table. Deny by default: a route missing here is refused for everyone,
and tests/api/test_authorization_matrix.py fails when a route of the app is not listed.

Object-level checks (which request, which school) happen in each service on every id.
``admin`` (Diskominfo platform) is deliberately not a reader of children's data.
"""

from __future__ import annotations

from chalicelib.core.principal import Role

P, OP, S, A = Role.PARENT, Role.SCHOOL_OPERATOR, Role.EDUCATION_STAFF, Role.ADMIN
EVERYONE = frozenset({P, OP, S, A})
CASE_READERS = frozenset({P, OP, S})
REVIEWERS = frozenset({OP, S})

ROUTE_ROLES: dict[tuple[str, str], frozenset[Role]] = {
    ("POST", "/v1/transfers"): frozenset({P}),
    ("GET", "/v1/transfers"): CASE_READERS,
    ("GET", "/v1/transfers/{transfer_id}"): CASE_READERS,
    ("PATCH", "/v1/transfers/{transfer_id}"): frozenset({P}),
    ("GET", "/v1/transfers/{transfer_id}/timeline"): CASE_READERS,
    ("POST", "/v1/transfers/{transfer_id}/submit"): frozenset({P}),
    ("POST", "/v1/transfers/{transfer_id}/cancel"): frozenset({P}),
    ("POST", "/v1/transfers/{transfer_id}/accept"): frozenset({OP}),
    ("POST", "/v1/transfers/{transfer_id}/release"): frozenset({OP}),
    ("POST", "/v1/transfers/{transfer_id}/confirm-dapodik"): frozenset({OP}),
    ("POST", "/v1/transfers/{transfer_id}/request-review"): frozenset({S}),
    ("POST", "/v1/transfers/{transfer_id}/approve"): frozenset({S}),
    ("POST", "/v1/transfers/{transfer_id}/request-revision"): REVIEWERS,
    ("POST", "/v1/transfers/{transfer_id}/reject"): REVIEWERS,
    ("POST", "/v1/transfers/{transfer_id}/documents"): frozenset({P, OP}),
    ("GET", "/v1/transfers/{transfer_id}/documents"): CASE_READERS,
    ("GET", "/v1/transfers/{transfer_id}/documents/{document_id}/download"): CASE_READERS,
    ("GET", "/v1/transfers/{transfer_id}/letter"): CASE_READERS,
    ("POST", "/v1/transfers/{transfer_id}/letter/revoke"): frozenset({S}),
    ("GET", "/v1/transfers/{transfer_id}/audit"): frozenset({S, A}),
    ("GET", "/v1/worklist"): REVIEWERS,
    ("GET", "/v1/schools"): EVERYONE,
    ("GET", "/v1/schools/{npsn}"): EVERYONE,
    ("GET", "/v1/schools/{npsn}/seats"): EVERYONE,
    ("PUT", "/v1/schools/{npsn}/seats/{grade}"): REVIEWERS,
    ("GET", "/v1/notifications"): EVERYONE,
    ("GET", "/v1/notifications/unread-count"): EVERYONE,
    ("POST", "/v1/notifications/{notification_id}/read"): EVERYONE,
    # --- PPDB: periods, applications, verification, registration (chalicelib/admissions) ---
    ("POST", "/v1/admissions/periods"): frozenset({S}),
    ("GET", "/v1/admissions/periods"): EVERYONE,
    ("GET", "/v1/admissions/periods/{period_id}"): EVERYONE,
    ("PUT", "/v1/admissions/periods/{period_id}"): frozenset({S}),
    ("POST", "/v1/admissions/periods/{period_id}/applications"): frozenset({P}),
    ("GET", "/v1/admissions/periods/{period_id}/verification-queue"): REVIEWERS,
    ("GET", "/v1/admissions/applications"): frozenset({P}),
    ("GET", "/v1/admissions/applications/{application_id}"): CASE_READERS,
    ("PATCH", "/v1/admissions/applications/{application_id}"): frozenset({P}),
    ("POST", "/v1/admissions/applications/{application_id}/documents"): frozenset({P}),
    ("GET", "/v1/admissions/applications/{application_id}/documents"): CASE_READERS,
    ("GET", "/v1/admissions/applications/{application_id}/documents/{document_id}/download"): (
        CASE_READERS
    ),
    ("POST", "/v1/admissions/applications/{application_id}/submit"): frozenset({P}),
    ("POST", "/v1/admissions/applications/{application_id}/review"): REVIEWERS,
    ("PUT", "/v1/admissions/applications/{application_id}/registration"): frozenset({P}),
    # --- PPDB: school imports (chalicelib/admission_imports) ---
    ("POST", "/v1/admissions/periods/{period_id}/school-imports"): frozenset({S}),
    ("GET", "/v1/admissions/periods/{period_id}/school-imports/{import_id}"): frozenset({S}),
    ("GET", "/v1/admissions/periods/{period_id}/schools"): EVERYONE,
    # --- PPDB: live ranking, final allocation, results, export (chalicelib/admission_results) ---
    ("GET", "/v1/admissions/applications/{application_id}/position"): CASE_READERS,
    ("GET", "/v1/admissions/applications/{application_id}/result"): CASE_READERS,
    ("POST", "/v1/admissions/periods/{period_id}/allocations"): frozenset({S}),
    ("GET", "/v1/admissions/periods/{period_id}/allocations/latest"): frozenset({S}),
    ("GET", "/v1/admissions/periods/{period_id}/schools/{npsn}/results.xlsx"): REVIEWERS,
    # --- PPDB: daftar ulang, reminders, release, statistics (chalicelib/admission_enrolment) ---
    ("POST", "/v1/admissions/applications/{application_id}/confirm"): frozenset({P, OP}),
    ("GET", "/v1/admissions/periods/{period_id}/leftover-seats"): REVIEWERS,
    ("GET", "/v1/admissions/periods/{period_id}/statistics"): REVIEWERS,
    ("PUT", "/v1/admissions/periods/{period_id}/schools/{npsn}/reregistration-seats"): (
        frozenset({S})
    ),
    # --- UU PDP: data-subject rights (chalicelib/privacy) ---
    ("GET", "/v1/me/data-export"): frozenset({P}),
    ("POST", "/v1/privacy-requests"): frozenset({S}),
    ("GET", "/v1/privacy-requests"): frozenset({S}),
    ("GET", "/v1/privacy-requests/{privacy_id}"): frozenset({S}),
    ("POST", "/v1/privacy-requests/{privacy_id}/complete"): frozenset({S}),
    ("POST", "/v1/privacy-requests/{privacy_id}/refuse"): frozenset({S}),
}

PUBLIC_ROUTES = frozenset(
    {
        ("GET", "/v1/health"),
        ("GET", "/v1/openapi.json"),
        ("GET", "/v1/public/letters/{code}"),
        # PPDB: daftar ulang, reminders, release, statistics (chalicelib/admission_enrolment)
        ("GET", "/v1/public/admissions/periods/{period_id}/statistics"),
    }
)


def allowed_roles(method: str, path: str) -> frozenset[Role]:
    return ROUTE_ROLES.get((method, path), frozenset())
