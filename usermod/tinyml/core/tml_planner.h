/*
 * tinyml core: the arena planner (tml_planner.c), called by the loader once
 * every operator is prepared. It reads the graph (tensors, operators, the
 * loader's alias table) and calls only the helpers below it (tml_mem.h,
 * tml_op.h). Not part of the public API.
 */
#ifndef TML_PLANNER_H
#define TML_PLANNER_H

#include "tml_core.h"

/* Lifetimes and arena offsets of every arena tensor and op scratch buffer;
 * sets m->arena_size and m->weights_size, and leaves every arena tensor's data and every
 * scratch pointer holding its arena offset, which tml_model_set_arena turns into addresses. */
tml_status_t tml_plan(tml_model_t *m, tml_error_t *err);

#endif
