#include "benchreport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>
#include <cstdio>

namespace afbench {

QString fmt(double v)
{
    if (std::isnan(v))
        return QStringLiteral("-");
    const double a = std::fabs(v);
    if (a >= 1000) {
        QString s = QString::number(qint64(std::llround(v)));
        for (int i = s.size() - 3; i > (v < 0 ? 1 : 0); i -= 3)
            s.insert(i, QChar(' '));
        return s;
    }
    if (a >= 100)
        return QString::number(v, 'f', 0);
    if (a >= 10)
        return QString::number(v, 'f', 1);
    if (a >= 1)
        return QString::number(v, 'f', 2);
    return QString::number(v, 'g', 3);
}

void BenchEnv::add(const QString &what, const QString &metric, double value, double atLeast,
                   double atMost, const QString &unit)
{
    Figure f{what, metric, value, {}, -1};
    const QString u = unit.isEmpty() ? QString() : QStringLiteral(" ") + unit;
    if (!std::isnan(atLeast)) {
        f.target = QStringLiteral("≥ %1%2").arg(fmt(atLeast), u);
        f.pass = value >= atLeast ? 1 : 0;
    } else if (!std::isnan(atMost)) {
        f.target = QStringLiteral("< %1%2").arg(fmt(atMost), u);
        f.pass = value < atMost ? 1 : 0;
    }
    figures.push_back(f);
    std::printf("  %-14s %-34s %12s %s\n", qPrintable(what), qPrintable(metric),
                qPrintable(fmt(value)), f.pass < 0 ? "" : f.pass ? "pass" : "FAIL");
    std::fflush(stdout);
}

void BenchEnv::note(const QString &section, const QJsonObject &data)
{
    json.insert(section, data);
}

void BenchEnv::print() const
{
    std::printf("\n| what | figure | value | target | result |\n|---|---|---:|---|---|\n");
    for (const Figure &f : figures)
        std::printf("| %s | %s | %s | %s | %s |\n", qPrintable(f.what), qPrintable(f.metric),
                    qPrintable(fmt(f.value)), qPrintable(f.target.isEmpty() ? QStringLiteral("(reported)") : f.target),
                    f.pass < 0 ? "" : f.pass ? "pass" : "**FAIL**");
    int failed = 0, passed = 0;
    for (const Figure &f : figures) {
        failed += f.pass == 0;
        passed += f.pass == 1;
    }
    std::printf("\n%d targets passed, %d failed%s\n", passed, failed, smoke ? " (smoke scale: targets are indicative only)" : "");
    std::fflush(stdout);
}

void BenchEnv::save(const QString &path) const
{
    QJsonObject root = json;
    QJsonArray table;
    for (const Figure &f : figures)
        table.append(QJsonObject{{"what", f.what}, {"metric", f.metric}, {"value", f.value},
                                 {"target", f.target},
                                 {"pass", f.pass < 0 ? QJsonValue() : QJsonValue(f.pass == 1)}});
    root.insert(QStringLiteral("table"), table);
    root.insert(QStringLiteral("smoke"), smoke);
    QFile out(path);
    if (out.open(QIODevice::WriteOnly | QIODevice::Truncate))
        out.write(QJsonDocument(root).toJson());
}

} // namespace afbench
