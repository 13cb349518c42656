/* diagsante (private) — a dictionary interning the distinct strings of a text column.
 * Each distinct string gets a dense id (0, 1, 2...) in order of first appearance;
 * strings are copied into an arena and NUL-terminated. Lookups touch one slot (which
 * holds a hash tag) and, on a tag match, one entry and its bytes. */
#ifndef DIAGSANTE_TEXT_DICT_H
#define DIAGSANTE_TEXT_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ds_dict_entry {
    uint64_t offset; /* into arena */
    uint32_t length; /* bytes, without the NUL */
    uint32_t hash;   /* low 32 bits of the string's hash */
} ds_dict_entry;

typedef struct ds_text_dict {
    char *arena; /* all strings, each followed by NUL */
    size_t arena_len, arena_cap;
    ds_dict_entry *entries;
    size_t count, cap;
    uint64_t *slots; /* open addressing: (hash << 32) | (id + 1); 0 = empty */
    size_t n_slots;  /* power of two */
} ds_text_dict;

void ds_text_dict_init(ds_text_dict *dict);
void ds_text_dict_free(ds_text_dict *dict);
/* Returns the id of the string (adding it when new), or UINT32_MAX when memory runs
 * out or the dictionary is full (2^32 - 2 strings). */
uint32_t ds_text_dict_intern(ds_text_dict *dict, const char *text, size_t len);
/* Makes room for `strings` new strings of `bytes` bytes in all (NULs not counted), so
 * that interning them cannot fail. False when memory runs out (dictionary unchanged). */
bool ds_text_dict_reserve(ds_text_dict *dict, size_t strings, size_t bytes);
/* Looks a string up without adding it: its id or UINT32_MAX. */
uint32_t ds_text_dict_find(const ds_text_dict *dict, const char *text, size_t len);

static inline const char *ds_text_dict_get(const ds_text_dict *dict, uint32_t id)
{
    return dict->arena + dict->entries[id].offset;
}

static inline size_t ds_text_dict_length(const ds_text_dict *dict, uint32_t id)
{
    return dict->entries[id].length;
}

#endif
