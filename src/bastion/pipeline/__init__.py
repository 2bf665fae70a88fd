"""The request pipeline: one module per stage, run in order by `Pipeline` (see `bastion.app`)."""

from bastion.pipeline.base import Pipeline, Stage

__all__ = ["Pipeline", "Stage"]
