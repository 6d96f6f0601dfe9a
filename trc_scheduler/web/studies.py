"""Pages of the studies area."""
from flask import Blueprint, render_template

from .access import staff_required

bp = Blueprint("studies", __name__, url_prefix="/studies")
