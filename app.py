"""Tangerang Live education services: the Chalice app. Registers blueprints; nothing else."""

from chalice import Chalice, ConvertToMiddleware

from chalicelib.admission_enrolment.handlers import bp as enrolment_jobs
from chalicelib.admission_enrolment.routes import bp as enrolment_routes
from chalicelib.admission_imports.routes import bp as admission_imports_routes
from chalicelib.admission_results.handlers import bp as admission_jobs
from chalicelib.admission_results.routes import bp as admission_results_routes
from chalicelib.admissions.routes import bp as admissions_routes
from chalicelib.core.auth import auth_bp
from chalicelib.core.http import framework_errors_as_problems
from chalicelib.core.observability import logger, metrics
from chalicelib.documents.handlers import bp as documents_events
from chalicelib.meta.routes import bp as meta_routes
from chalicelib.notifications.routes import bp as notifications_routes
from chalicelib.privacy.routes import bp as privacy_routes
from chalicelib.schools.routes import bp as schools_routes
from chalicelib.transfers.handlers import bp as transfers_jobs
from chalicelib.transfers.routes import bp as transfers_routes

app = Chalice(app_name="tangerang-live-edu", configure_logs=False)
app.debug = False
app.register_middleware(ConvertToMiddleware(logger().inject_lambda_context))
app.register_middleware(ConvertToMiddleware(metrics().log_metrics))
app.register_middleware(framework_errors_as_problems, "http")

for blueprint in (
    auth_bp,
    meta_routes,
    transfers_routes,
    schools_routes,
    notifications_routes,
    documents_events,
    transfers_jobs,
    admissions_routes,
    admission_imports_routes,
    admission_results_routes,
    admission_jobs,
    enrolment_routes,
    enrolment_jobs,
    privacy_routes,
):
    app.register_blueprint(blueprint)
