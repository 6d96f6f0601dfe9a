"""Pages of the unit area."""
from flask import Blueprint, render_template

from .access import staff_required

bp = Blueprint("unit", __name__, url_prefix="/unit")
