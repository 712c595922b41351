#pragma once
// The benchmark run's shared state: options, the table of figures against their targets,
// and the JSON written beside it.
#include <QJsonObject>
#include <QString>

#include <vector>

namespace afbench {

struct Figure {
    QString what;   ///< the table's first column ("emit", "feed query", …)
    QString metric; ///< e.g. "rows/s"
    double value = 0;
    QString target; ///< e.g. "≥ 50 000"; empty: reported only
    int pass = -1;  ///< 1 pass, 0 fail, -1 no target
};

struct BenchEnv {
    bool smoke = false;
    QString activityfeed; ///< path of the activityfeed binary
    QString binDir;       ///< where af_bench_server, af_sse_load, af_bench_model are
    QString outDir;       ///< JSON, EXPLAIN files, logs
    QJsonObject json;
    std::vector<Figure> figures;

    /// @brief Adds a figure; @p atLeast/@p atMost give the target (NaN: none).
    void add(const QString &what, const QString &metric, double value, double atLeast,
             double atMost, const QString &unit = {});
    void note(const QString &section, const QJsonObject &data);
    void print() const;
    void save(const QString &path) const;
};

/// @brief "1 234 567" / "12.3" / "0.0123".
QString fmt(double v);

} // namespace afbench
