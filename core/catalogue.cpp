#include "catalogue.h"
#include "event.h"
#include "text.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>

#include <cstdio>
#include <cstdlib>
#include <optional>

// Outside any namespace, as Q_INIT_RESOURCE requires. Called before the first read, so the
// catalogue is there even for statics initialised before main().
static void initCatalogueResource()
{
    Q_INIT_RESOURCE(catalogue);
}

namespace af {

namespace {

struct Data {
    QByteArray json;
    std::vector<EventTypeInfo> types;
    std::vector<ReactionInfo> reactions;
    Limits limits;
};

QStringList strings(const QJsonValue &v)
{
    QStringList out;
    for (const QJsonValue &s : v.toArray())
        out.append(s.toString());
    return out;
}

[[noreturn]] void broken(const char *what)
{
    // The catalogue is compiled in: a broken one is a build mistake, never user input.
    std::fprintf(stderr, "activityfeed: the built-in catalogue is broken: %s\n", what);
    std::abort();
}

Data load()
{
    initCatalogueResource();
    QFile file(QStringLiteral(":/catalogue.json"));
    if (!file.open(QIODevice::ReadOnly))
        broken("resource :/catalogue.json is missing");
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    if (!doc.isObject())
        broken("not a JSON object");
    Data d;
    d.json = doc.toJson(QJsonDocument::Compact);
    const QJsonObject root = doc.object();
    for (const QJsonValue &v : root.value(QLatin1String("eventTypes")).toArray()) {
        const QJsonObject o = v.toObject();
        const QStringList noun = strings(o.value(QLatin1String("noun")));
        d.types.push_back({o.value(QLatin1String("type")).toString(),
                           o.value(QLatin1String("displayName")).toString(),
                           o.value(QLatin1String("icon")).toString(),
                           strings(o.value(QLatin1String("describe"))),
                           strings(o.value(QLatin1String("sample"))),
                           o.value(QLatin1String("group")).toString(), noun.value(0), noun.value(1),
                           o.value(QLatin1String("example")).toObject()});
    }
    for (const QJsonValue &v : root.value(QLatin1String("reactions")).toArray()) {
        const QJsonObject o = v.toObject();
        d.reactions.push_back({o.value(QLatin1String("name")).toString(),
                               o.value(QLatin1String("label")).toString(),
                               o.value(QLatin1String("glyph")).toString()});
    }
    const QJsonObject l = root.value(QLatin1String("limits")).toObject();
    auto limit = [&l](const char *key) {
        const int v = l.value(QLatin1String(key)).toInt(0);
        if (v <= 0)
            broken(key);
        return v;
    };
    d.limits = {limit("commentMaxCodePoints"), limit("feedPageDefault"), limit("feedPageMax"),
                limit("commentsPageDefault"), limit("commentsPageMax"), limit("payloadMaxBytes"),
                limit("emitBatchMax"),         limit("tileWindowSeconds"), limit("tileMinRows"),
                limit("tileSamples"),          limit("replayMax"),       limit("textFieldMaxChars"),
                limit("commentsPerMinute"),    limit("listPageDefault"), limit("listPageMax"),
                limit("openTasksMax"),         limit("activeChallengesMax"),
                limit("createsPerMinute")};
    if (d.types.empty() || d.reactions.size() != ReactionCounts{}.counts.size())
        broken("no event types, or not as many reactions as ReactionCounts holds");
    return d;
}

const Data &data()
{
    static const Data d = load();
    return d;
}

// Payloads come from other systems: a field may be missing or of the wrong type.
std::optional<qint64> number(const QJsonObject &p, const QString &key)
{
    const QJsonValue v = p.value(key);
    if (v.isDouble() && v.toDouble() > 0 && v.toDouble() < 1e15)
        return qint64(v.toDouble());
    return std::nullopt;
}

std::optional<QString> field(const QJsonObject &p, const QString &spec)
{
    if (spec.startsWith(QLatin1Char('#'))) {
        const QStringList parts = spec.mid(1).split(QLatin1Char('|'));
        const auto n = number(p, parts[0]);
        if (!n)
            return std::nullopt;
        return parts.size() == 3 ? Text::count(*n, parts[1], parts[2]) : QString::number(*n);
    }
    const QJsonValue v = p.value(spec);
    if (v.isString() && !v.toString().isEmpty())
        return Text::truncated(v.toString(), data().limits.textFieldMaxChars);
    return std::nullopt;
}

/// The template with every `{…}` filled in, or nothing when a field is missing.
std::optional<QString> render(const QString &tpl, const QJsonObject &p)
{
    QString out;
    qsizetype i = 0;
    while (i < tpl.size()) {
        const qsizetype open = tpl.indexOf(QLatin1Char('{'), i);
        if (open < 0) {
            out += QStringView(tpl).mid(i);
            break;
        }
        const qsizetype close = tpl.indexOf(QLatin1Char('}'), open);
        if (close < 0)
            return std::nullopt;
        out += QStringView(tpl).mid(i, open - i);
        const auto value = field(p, tpl.mid(open + 1, close - open - 1));
        if (!value)
            return std::nullopt;
        out += *value;
        i = close + 1;
    }
    return out;
}

std::optional<QString> firstRendered(const QStringList &templates, const QJsonObject &p)
{
    for (const QString &t : templates) {
        if (auto s = render(t, p))
            return s;
    }
    return std::nullopt;
}

} // namespace

const std::vector<EventTypeInfo> &Catalogue::eventTypes()
{
    return data().types;
}

QStringList Catalogue::eventTypeNames()
{
    QStringList out;
    for (const EventTypeInfo &t : data().types)
        out.append(t.type);
    return out;
}

bool Catalogue::isKnownType(const QString &name)
{
    return type(name) != nullptr;
}

const EventTypeInfo *Catalogue::type(const QString &name)
{
    for (const EventTypeInfo &t : data().types) {
        if (t.type == name)
            return &t;
    }
    return nullptr;
}

const std::vector<ReactionInfo> &Catalogue::reactions()
{
    return data().reactions;
}

QStringList Catalogue::reactionNames()
{
    QStringList out;
    for (const ReactionInfo &r : data().reactions)
        out.append(r.name);
    return out;
}

int Catalogue::reactionIndex(const QString &name)
{
    const auto &all = data().reactions;
    for (size_t i = 0; i < all.size(); ++i) {
        if (all[i].name == name)
            return int(i);
    }
    return -1;
}

const Limits &Catalogue::limits()
{
    return data().limits;
}

QString Catalogue::describe(const QString &name, const QJsonObject &payload)
{
    const EventTypeInfo *t = type(name);
    if (!t)
        return name;
    return firstRendered(t->describe, payload).value_or(t->displayName);
}

QString Catalogue::describeGroup(const QString &name, int count)
{
    const EventTypeInfo *t = type(name);
    if (!t)
        return QStringLiteral("%1 × %2").arg(count).arg(name);
    return render(t->group, QJsonObject{{QStringLiteral("count"), count}})
        .value_or(QString::number(count));
}

QString Catalogue::sampleText(const QString &name, const QJsonObject &payload)
{
    const EventTypeInfo *t = type(name);
    if (t) {
        if (auto s = firstRendered(t->sample, payload))
            return *s;
    }
    return describe(name, payload);
}

const QByteArray &Catalogue::json()
{
    return data().json;
}

} // namespace af
