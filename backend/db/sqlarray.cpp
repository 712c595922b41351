#include "sqlarray.h"

namespace af {

std::string sqlUuidArray(const std::vector<QString> &ids)
{
    std::string out = "{";
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i)
            out += ',';
        out += ids[i].toStdString();
    }
    out += '}';
    return out;
}

std::string sqlUuidArray(const std::vector<QUuid> &ids)
{
    std::vector<QString> text;
    text.reserve(ids.size());
    for (const QUuid &id : ids)
        text.push_back(id.toString(QUuid::WithoutBraces));
    return sqlUuidArray(text);
}

std::string sqlIntArray(const std::vector<int> &values)
{
    std::string out = "{";
    for (size_t i = 0; i < values.size(); ++i) {
        if (i)
            out += ',';
        out += std::to_string(values[i]);
    }
    return out + '}';
}

std::string sqlTextArray(const std::vector<std::string> &items)
{
    std::string out = "{";
    for (size_t i = 0; i < items.size(); ++i) {
        if (i)
            out += ',';
        out += '"';
        for (const char c : items[i]) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + '}';
}

std::string sqlDollarQuoted(const std::string &text)
{
    // The tag must first occur where it closes the literal: not inside the text, nor
    // across its end ("…$q" + "$q$").
    std::string tag = "$q$";
    for (int n = 0; (text + tag).find(tag) < text.size(); ++n)
        tag = "$q" + std::to_string(n) + '$';
    return tag + text + tag;
}

} // namespace af
