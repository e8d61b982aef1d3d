"""The criteria's blueprint: its pages hang under their recommendation's address."""

from flask import Blueprint

bp = Blueprint("criteria", __name__, url_prefix="/recommendations")
