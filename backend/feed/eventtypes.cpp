#include "eventtypes.h"

#include <QHash>
#include <QJsonValue>

namespace af {

namespace {

struct Row {
    EventTypeInfo info;
    const char *pluralNoun; ///< "%1 badges earned"
};

const QHash<QString, Row> &table()
{
    static const QHash<QString, Row> t = [] {
        QHash<QString, Row> h;
        auto add = [&h](const char *type, const char *name, const char *icon, const char *plural) {
            h.insert(QString::fromUtf8(type),
                     Row{{QString::fromUtf8(type), QString::fromUtf8(name), QString::fromUtf8(icon)},
                         plural});
        };
        add("badge_earned", "Badge earned", "🏅", "%1 badges earned");
        add("xp_rank_up", "Rank up", "⬆️", "%1 rank ups");
        add("challenge_completed", "Challenge completed", "🏆", "%1 challenges completed");
        add("streak_milestone", "Streak milestone", "🔥", "%1 streak milestones");
        add("tasks_burst", "Task burst", "⚡", "%1 task bursts");
        add("all_tasks_cleared", "All tasks cleared", "✅", "All tasks cleared %1 times");
        return h;
    }();
    return t;
}

// Payloads come from other systems: a field may be missing or of the wrong type.
QString text(const QJsonObject &p, const char *key)
{
    const QJsonValue v = p.value(QLatin1String(key));
    if (!v.isString())
        return {};
    const QString s = v.toString();
    // Never cut between the two halves of a surrogate pair (emoji in names).
    const qsizetype n = s.size() > 200 && s.at(199).isHighSurrogate() ? 199 : 200;
    return s.left(n);
}

qint64 number(const QJsonObject &p, const char *key, qint64 fallback = -1)
{
    const QJsonValue v = p.value(QLatin1String(key));
    if (v.isDouble() && v.toDouble() >= 0 && v.toDouble() < 1e15)
        return qint64(v.toDouble());
    return fallback;
}

QString xpSuffix(const QJsonObject &p)
{
    const qint64 xp = number(p, "xpAwarded");
    return xp > 0 ? QStringLiteral(" (+%1 XP)").arg(xp) : QString();
}

} // namespace

const QStringList &EventTypes::all()
{
    static const QStringList types{QStringLiteral("badge_earned"),      QStringLiteral("xp_rank_up"),
                                   QStringLiteral("challenge_completed"), QStringLiteral("streak_milestone"),
                                   QStringLiteral("tasks_burst"),       QStringLiteral("all_tasks_cleared")};
    return types;
}

bool EventTypes::isKnown(const QString &type)
{
    return table().contains(type);
}

const EventTypeInfo *EventTypes::info(const QString &type)
{
    const auto it = table().constFind(type);
    return it == table().constEnd() ? nullptr : &it->info;
}

QString EventTypes::describe(const QString &type, const QJsonObject &p)
{
    if (type == QLatin1String("badge_earned")) {
        const QString badge = text(p, "badgeName");
        return (badge.isEmpty() ? QStringLiteral("Earned a badge")
                                : QStringLiteral("Earned the “%1” badge").arg(badge)) +
               xpSuffix(p);
    }
    if (type == QLatin1String("xp_rank_up")) {
        const QString rank = text(p, "rank");
        const QString previous = text(p, "previousRank");
        if (rank.isEmpty())
            return QStringLiteral("Reached a new rank");
        if (previous.isEmpty())
            return QStringLiteral("Reached %1").arg(rank);
        return QStringLiteral("Ranked up from %1 to %2").arg(previous, rank);
    }
    if (type == QLatin1String("challenge_completed")) {
        const QString name = text(p, "challengeName");
        return (name.isEmpty() ? QStringLiteral("Completed a challenge")
                               : QStringLiteral("Completed “%1”").arg(name)) +
               xpSuffix(p);
    }
    if (type == QLatin1String("streak_milestone")) {
        const qint64 days = number(p, "days");
        return days > 0 ? QStringLiteral("%1-day streak").arg(days)
                        : QStringLiteral("Reached a streak milestone");
    }
    if (type == QLatin1String("tasks_burst")) {
        const qint64 n = number(p, "count");
        return n > 0 ? QStringLiteral("%1 tasks done in 24 hours").arg(n)
                     : QStringLiteral("A burst of finished tasks");
    }
    if (type == QLatin1String("all_tasks_cleared")) {
        const qint64 n = number(p, "tasksDone");
        if (n == 1)
            return QStringLiteral("Cleared every task (1 done)");
        return n > 0 ? QStringLiteral("Cleared every task (%1 done)").arg(n)
                     : QStringLiteral("Cleared every task");
    }
    return type;
}

QString EventTypes::describeGroup(const QString &type, int count)
{
    const auto it = table().constFind(type);
    if (it == table().constEnd())
        return QStringLiteral("%1 × %2").arg(count).arg(type);
    return QString::fromUtf8(it->pluralNoun).arg(count);
}

} // namespace af
