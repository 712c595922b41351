#pragma once
#include <QString>
#include <QUuid>

#include <string>
#include <vector>

namespace af {

/// @brief PostgreSQL array literals ('{…}') for the statements that send a batch as one
/// parameter (`unnest($1::uuid[], …)`, `= ANY($1::uuid[])`).
///
/// Uuid, integer and tid text never needs quoting; text elements are quoted and escaped so that
/// any value survives. Either kind may also go into a statement as a quoted literal,
/// where a parameter cannot (a pipeline sends text only).
std::string sqlUuidArray(const std::vector<QString> &ids);
std::string sqlUuidArray(const std::vector<QUuid> &ids);
std::string sqlIntArray(const std::vector<int> &values);
std::string sqlTextArray(const std::vector<std::string> &items);
/// @brief @p text as a dollar-quoted SQL literal ($q$…$q$, under a tag @p text does not
/// contain), which needs no connection: a statement can then be written on any thread.
std::string sqlDollarQuoted(const std::string &text);

} // namespace af
