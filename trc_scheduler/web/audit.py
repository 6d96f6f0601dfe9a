"""Pages of the audit area."""
from flask import Blueprint, render_template

from .access import staff_required

bp = Blueprint("audit", __name__, url_prefix="/audit")
