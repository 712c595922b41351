#pragma once
#include <QString>
#include <QUuid>

#include <vector>

namespace af {

/// @brief Time-ordered row ids in UUIDv7's layout (RFC 9562): 48 bits of Unix time in ms,
/// then 74 bits from the system's random generator (besides version and variant).
///
/// Queue rows and events get them (the columns' gen_random_uuid() default stays for rows
/// others insert). A primary key of random ids sends every insert, and every new row
/// version a drain's marking adds, to a random leaf page of the index; ids that grow with
/// time keep a batch's entries on a few neighbouring pages.
namespace Uuid7 {

/// @brief One id for @p unixMillis.
QUuid make(qint64 unixMillis);
/// @brief @p n ids for @p unixMillis as lower-case text, ascending, and above every id an
/// earlier call made in this process (RFC 9562's monotonic counter in the 12 bits after
/// the version: a call in the same millisecond as the last, or in an earlier one, takes
/// the last call's millisecond and the next count; each id keeps 62 random bits). So a
/// drain's batches, whose ids are made on two threads, write ascending ids batch after
/// batch, whatever the clock does between them.
std::vector<QString> sortedText(size_t n, qint64 unixMillis);

} // namespace Uuid7
} // namespace af
