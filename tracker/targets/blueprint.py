"""The target dates' blueprint: its pages hang under their recommendation's address."""

from flask import Blueprint

bp = Blueprint("targets", __name__, url_prefix="/recommendations")
