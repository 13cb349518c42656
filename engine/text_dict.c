/* diagsante (private) — string interning for text columns (see text_dict.h). */
#include "text_dict.h"

#include <stdlib.h>
#include <string.h>

void ds_text_dict_init(ds_text_dict *dict)
{
    memset(dict, 0, sizeof *dict);
}

void ds_text_dict_free(ds_text_dict *dict)
{
    if (dict == NULL)
        return;
    free(dict->arena);
    free(dict->entries);
    free(dict->slots);
    memset(dict, 0, sizeof *dict);
}

/* 64-bit hash of a byte string: multiply-xorshift over 8-byte words, then
 * MurmurHash3's finaliser so that every input bit reaches the low bits. */
static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (len * 0xff51afd7ed558ccdull);
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        s += 8;
        len -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, len);
    h ^= w;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

/* Rebuilds the slots with at least `wanted` of them (a power of two, 64 at least). */
static bool resize_slots(ds_text_dict *dict, size_t wanted)
{
    size_t n = 64;
    while (n < wanted)
        n *= 2;
    uint64_t *slots = calloc(n, sizeof *slots);
    if (slots == NULL)
        return false;
    for (size_t id = 0; id < dict->count; id++) {
        uint32_t tag = dict->entries[id].hash;
        size_t i = tag & (n - 1);
        while (slots[i] != 0)
            i = (i + 1) & (n - 1);
        slots[i] = ((uint64_t)tag << 32) | (uint64_t)(id + 1);
    }
    free(dict->slots);
    dict->slots = slots;
    dict->n_slots = n;
    return true;
}

/* The slot holding the string, or the empty slot where it would go. */
static size_t find_slot(const ds_text_dict *dict, const char *text, size_t len, uint32_t tag)
{
    size_t mask = dict->n_slots - 1, i = tag & mask;
    for (;; i = (i + 1) & mask) {
        uint64_t slot = dict->slots[i];
        if (slot == 0)
            return i;
        if ((uint32_t)(slot >> 32) != tag)
            continue;
        const ds_dict_entry *e = &dict->entries[(uint32_t)slot - 1];
        if (e->length == len && memcmp(dict->arena + e->offset, text, len) == 0)
            return i;
    }
}

static bool grow_slots(ds_text_dict *dict)
{
    return resize_slots(dict, dict->n_slots ? dict->n_slots * 2 : 64);
}

/* Grows the entry array to hold `wanted` entries. */
static bool reserve_entries(ds_text_dict *dict, size_t wanted)
{
    if (wanted <= dict->cap)
        return true;
    size_t cap = dict->cap ? dict->cap : 32;
    while (cap < wanted)
        cap *= 2;
    ds_dict_entry *entries = realloc(dict->entries, cap * sizeof *entries);
    if (entries == NULL)
        return false;
    dict->entries = entries;
    dict->cap = cap;
    return true;
}

/* Grows the arena to hold `wanted` bytes. */
static bool reserve_arena(ds_text_dict *dict, size_t wanted)
{
    if (wanted <= dict->arena_cap)
        return true;
    size_t cap = dict->arena_cap ? dict->arena_cap : 256;
    while (cap < wanted)
        cap *= 2;
    char *arena = realloc(dict->arena, cap);
    if (arena == NULL)
        return false;
    dict->arena = arena;
    dict->arena_cap = cap;
    return true;
}

bool ds_text_dict_reserve(ds_text_dict *dict, size_t strings, size_t bytes)
{
    size_t count = dict->count + strings;
    if (2 * count > dict->n_slots && !resize_slots(dict, 2 * count))
        return false;
    return reserve_entries(dict, count) && reserve_arena(dict, dict->arena_len + bytes + strings);
}

uint32_t ds_text_dict_find(const ds_text_dict *dict, const char *text, size_t len)
{
    if (dict->n_slots == 0)
        return UINT32_MAX;
    uint64_t slot = dict->slots[find_slot(dict, text, len, (uint32_t)hash_bytes(text, len))];
    return slot == 0 ? UINT32_MAX : (uint32_t)slot - 1;
}

uint32_t ds_text_dict_intern(ds_text_dict *dict, const char *text, size_t len)
{
    if ((dict->count + 1) * 2 > dict->n_slots && !grow_slots(dict))
        return UINT32_MAX;
    uint32_t tag = (uint32_t)hash_bytes(text, len);
    size_t i = find_slot(dict, text, len, tag);
    if (dict->slots[i] != 0)
        return (uint32_t)dict->slots[i] - 1;
    if (dict->count >= UINT32_MAX - 1 || len >= UINT32_MAX)
        return UINT32_MAX;
    if (!reserve_entries(dict, dict->count + 1) ||
        !reserve_arena(dict, dict->arena_len + len + 1))
        return UINT32_MAX;
    uint32_t id = (uint32_t)dict->count++;
    dict->entries[id] = (ds_dict_entry){.offset = dict->arena_len, .length = (uint32_t)len, .hash = tag};
    memcpy(dict->arena + dict->arena_len, text, len);
    dict->arena[dict->arena_len + len] = '\0';
    dict->arena_len += len + 1;
    dict->slots[i] = ((uint64_t)tag << 32) | (uint64_t)(id + 1);
    return id;
}
