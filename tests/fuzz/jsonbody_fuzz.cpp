// libFuzzer target for af::JsonBody (request bodies: UTF-8, JSON, field checks). The first
// byte picks the Content-Type; the rest is the body. Checks: the UTF-8 verdict agrees with
// a textbook decoder written here; a body is accepted only when it is valid UTF-8 and
// JSON; every refusal is BadInput or the 415 HttpError; the field helpers only ever
// return or throw BadInput.
#include "api/jsonbody.h"
#include "core/errors.h"
#include "http/httperror.h"
#include "http/httprequest.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cstdint>
#include <cstdlib>

namespace {

// RFC 3629: shortest form only, no surrogates, nothing past U+10FFFF.
bool referenceUtf8(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const uint8_t c = p[i];
        int len;
        uint32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (int k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF
            || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
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
