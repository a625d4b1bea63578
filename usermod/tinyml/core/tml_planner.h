/*
 * tinyml core: the arena planner (tml_planner.c), called by the loader once
 * every operator is prepared. It reads the graph (tensors, operators, the
 * loader's alias table) and calls only the helpers below it (tml_mem.h,
 * tml_op.h). Not part of the public API.
 */
#ifndef TML_PLANNER_H
#define TML_PLANNER_H

#include "tml_core.h"

/* The first loading pass's plan, which the second takes as it is (not kept in tml_model_t: the
 * MicroPython model object holds that struct, and loading must fit in what a model keeps). */
typedef struct {
    uint8_t *data; /* NULL: none yet (tml_plan searches and leaves its choices here) */
    size_t size;
} tml_plan_hint_t;

/* Lifetimes and arena offsets of every arena tensor and op scratch buffer;
 * sets m->arena_size and m->weights_size, and leaves every arena tensor's data and every
 * scratch pointer holding its arena offset, which tml_model_set_arena turns into addresses.
 * hint (may be NULL): see tml_plan_hint_t; its data is tml_raw_alloc'ed, the caller frees it. */
tml_status_t tml_plan(tml_model_t *m, tml_plan_hint_t *hint, tml_error_t *err);

#endif
