// A .NET client of the original API, as its users wrote them: Mono's HttpClient and
// DataContractSerializer, with the plain class docs/api.md ("For .NET clients") tells
// them to copy (tests/dotnet/run compiles it from there, beside this file). It posts an
// event as JSON and reads it back as XML, failing (exit 1) on any member that did not
// arrive; then posts bodies as .NET writes them by default (a byte order mark, UTF-16)
// and default(DateTime), and checks each answer.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Runtime.Serialization;
using System.Text;

namespace BillingEvents
{
    public static class Interop
    {
        static readonly List<string> Failures = new List<string>();

        static void Expect(string what, object expected, object actual)
        {
            if (!Equals(expected, actual))
                Failures.Add(string.Format("{0}: expected {1}, got {2}", what, expected, actual));
        }

        static void ExpectSet(string what, bool set)
        {
            if (!set) Failures.Add(what + ": left at its default");
        }

        static void Check(string how, InvoiceBillingEvent read, Guid guid)
        {
            Expect(how + " BillingEventGuid", guid, read.BillingEventGuid);
            Expect(how + " MemberUniqueKey", "member-7", read.MemberUniqueKey);
            Expect(how + " EventDateTime", new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc), read.EventDateTime.ToUniversalTime());
            Expect(how + " EventTypeId", EventType.Usage, read.EventTypeId);
            Expect(how + " InvoiceBillingEventStatusId", InvoiceBillingEventStatus.Pending, read.InvoiceBillingEventStatusId);
            Expect(how + " Quantity", 6.5m, read.Quantity);
            Expect(how + " Price", 7.25m, read.Price);
            ExpectSet(how + " ModifiedDateTime", read.ModifiedDateTime.HasValue);
            ExpectSet(how + " ExecutionTime", read.ExecutionTime.HasValue);
            ExpectSet(how + " TxID", !string.IsNullOrEmpty(read.TxID));
        }

        static string Event(Guid guid, string time)
        {
            return "{\"billingEventGuid\":\"" + guid + "\",\"memberUniqueKey\":\"member-7\","
                + "\"eventDateTime\":\"" + time + "\",\"quantity\":1,\"price\":2}";
        }

        static int Status(System.Threading.Tasks.Task<HttpResponseMessage> sent)
        {
            return (int)sent.Result.StatusCode;
        }

        public static int Main(string[] args)
        {
            var service = args[0].TrimEnd('/');
            var client = new HttpClient();
            client.DefaultRequestHeaders.Add("X-Api-Key", args[1]);
            var guid = Guid.NewGuid();
            var body = "{\"billingEventGuid\":\"" + guid + "\",\"memberUniqueKey\":\"member-7\","
                + "\"eventDateTime\":\"2026-11-30T12:00:00Z\",\"eventTypeId\":\"Usage\","
                + "\"invoiceBillingEventStatusId\":\"Pending\",\"quantity\":6.5,\"price\":7.25}";
            var posted = client.PostAsync(service + "/api/v1/BillingEvents/acme",
                new StringContent(body, Encoding.UTF8, "application/json")).Result;
            Expect("POST status", 201, (int)posted.StatusCode);

            var asXml = new HttpRequestMessage(HttpMethod.Get, service + "/api/v1/BillingEvents/" + guid);
            asXml.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/xml"));
            var xml = client.SendAsync(asXml).Result.Content.ReadAsStreamAsync().Result;
            Check("XML", (InvoiceBillingEvent)new DataContractSerializer(typeof(InvoiceBillingEvent)).ReadObject(xml), guid);

            // Bodies as .NET writes them by default: a UTF-8 byte order mark (StreamWriter
            // with Encoding.UTF8), UTF-16 (StringContent with Encoding.Unicode).
            var bom = new ByteArrayContent(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(Event(Guid.NewGuid(), "2026-11-30T12:00:00Z"))).ToArray());
            bom.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            Expect("POST with a byte order mark", 201, Status(client.PostAsync(service + "/api/v1/BillingEvents/acme", bom)));
            var utf16 = new StringContent(Event(Guid.NewGuid(), "2026-11-30T12:00:00Z"), Encoding.Unicode, "application/json");
            Expect("POST in UTF-16", 201, Status(client.PostAsync(service + "/api/v1/BillingEvents/acme", utf16)));
            // A client that never set the event's time sends default(DateTime).
            var unset = new StringContent(Event(Guid.NewGuid(), default(DateTime).ToString("s")), Encoding.UTF8, "application/json");
            Expect("POST with default(DateTime)", 400, Status(client.PostAsync(service + "/api/v1/BillingEvents/acme", unset)));

            foreach (var failure in Failures) Console.Error.WriteLine("interop: " + failure);
            Console.WriteLine(Failures.Count == 0 ? "interop: every member arrived" : "interop: failed");
            return Failures.Count == 0 ? 0 : 1;
        }
    }
}
