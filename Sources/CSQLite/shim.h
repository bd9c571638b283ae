#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro Swift cannot import: it tells SQLite to copy bound text and blobs
/// before `sqlite3_bind_*` returns (https://sqlite.org/c3ref/bind_blob.html).
static inline void (*_etalage_sqlite_transient(void))(void *) { return (void (*)(void *))-1; }
