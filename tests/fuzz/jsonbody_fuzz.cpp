// libFuzzer target for af::JsonBody (request bodies: UTF-8, JSON, field checks). The first
// byte picks the Content-Type; the rest is the body. Checks: the UTF-8 verdict agrees with
// Qt's UTF-8 decoder; a body is accepted only when it is valid UTF-8 and
// JSON; every refusal is BadInput or the 415 HttpError; the field helpers only ever
// return or throw BadInput.
#include "api/jsonbody.h"
#include "core/errors.h"
#include "http/httperror.h"
#include "http/httprequest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QStringDecoder>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace {

// The oracle is Qt's own UTF-8 decoder, written independently of JsonBody's: it refuses
// what RFC 3629 refuses (overlong forms, surrogates, anything past U+10FFFF, a sequence
// cut short), and hasError() says whether it had to.
bool referenceUtf8(const uint8_t *p, size_t n)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder.decode(QByteArrayView(p, qsizetype(n)));
    return !decoder.hasError();
}

// The oracle must agree with the RFC on the cases that matter before the fuzzer trusts it.
bool oracleKnowsTheRfc()
{
    struct Case {
        const char *bytes;
        bool valid;
    };
    static const Case cases[] = {
        {"plain", true},           {"\xC3\xA9", true},          {"\xE2\x82\xAC", true},
        {"\xF0\x9F\x98\x80", true}, {"\xF4\x8F\xBF\xBF", true}, {"\xC0\xAF", false},
        {"\xE0\x80\xAF", false},  {"\xED\xA0\x80", false},     {"\xF4\x90\x80\x80", false},
        {"\xF8\x88\x80\x80\x80", false}, {"\xC3", false},       {"\x80", false},
    };
    for (const Case &c : cases) {
        const auto *p = reinterpret_cast<const uint8_t *>(c.bytes);
        if (referenceUtf8(p, strlen(c.bytes)) != c.valid)
            return false;
    }
    return true;
}

template <typename F> void onlyBadInput(F &&f)
{
    try {
        f();
    } catch (const af::BadInput &) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const types[] = {"application/json", "application/json; charset=utf-8",
                                        "text/plain", "APPLICATION/JSON;charset=\"UTF8\""};
    static const bool oracleSound = oracleKnowsTheRfc();
    if (!oracleSound)
        abort();
    const char *type = types[data[0] % 4];
    const QByteArray body(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    if (af::JsonBody::isValidUtf8(body) != referenceUtf8(data + 1, size - 1))
        abort();
    af::HttpRequest request;
    request.addHeader("content-type", type);
    request.setBody(body);
    QJsonValue value;
    bool accepted = false;
    try {
        value = af::JsonBody::parse(request);
        accepted = true;
    } catch (const af::BadInput &) {
    } catch (const af::HttpError &e) {
        if (e.status() != 415)
            abort();
    }
    if (!accepted)
        return 0;
    if (!referenceUtf8(data + 1, size - 1) || !(value.isObject() || value.isArray()))
        abort();
    const QJsonObject o = value.isObject() ? value.toObject() : value.toArray().at(0).toObject();
    const QByteArray again = QJsonDocument(o).toJson(QJsonDocument::Compact);
    if (!af::JsonBody::isValidUtf8(again) || again.contains('\n'))
        abort();
    for (auto it = o.begin(); it != o.end(); ++it) {
        onlyBadInput([&] { (void)af::JsonBody::requireString(o, it.key(), QString()); });
        onlyBadInput([&] { (void)af::JsonBody::requireInteger(o, it.key(), -1000, 1000); });
        if (it.value().isString())
            onlyBadInput([&] { (void)af::JsonBody::positiveQueryInt(it.value().toString(), it.key()); });
    }
    return 0;
}
