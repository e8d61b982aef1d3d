"""The forecasts' blueprint: forms under their recommendation's address, scores at /forecasts."""

from flask import Blueprint

bp = Blueprint("forecasts", __name__)
