"""The blind reviews' blueprint: its pages hang under their recommendation's address."""

from flask import Blueprint

bp = Blueprint("assessments", __name__, url_prefix="/recommendations")
