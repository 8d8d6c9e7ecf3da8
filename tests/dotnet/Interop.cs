// A .NET client of the original API, as its users wrote them: Mono's HttpClient, the
// Web API client library (PostAsJsonAsync, PostAsXmlAsync, ReadAsAsync) and
// DataContractSerializer, with plain classes and no attributes. tests/dotnet/run compiles
// it beside the class docs/api.md ("For .NET clients") tells users to copy.
//
// Mode "default" (the service's default settings) uses that class, with DateTime members.
// Mode "configured" (the service run with xml.namespace set to this file's Acme.Billing
// data-contract namespace and xml.time_members = "DateTimeOffset") uses the class below,
// with DateTimeOffset members. Either way every event round-trips in XML and in JSON, and
// every error kind reads as Web API's HttpError (a Dictionary<string, object>; Mono ships
// no HttpError type) or as a data-contract class. Exit 1 on any failure, naming each.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Formatting;
using System.Net.Http.Headers;
using System.Runtime.Serialization;
using System.Text;
using System.Threading.Tasks;

namespace Acme.Billing
{
    // Data-contract namespace http://schemas.datacontract.org/2004/07/Acme.Billing.
    public class InvoiceBillingEvent
    {
        public Guid BillingEventGuid { get; set; }
        public string MemberUniqueKey { get; set; }
        public DateTimeOffset EventDateTime { get; set; }
        public BillingEvents.EventType EventTypeId { get; set; }
        public BillingEvents.InvoiceBillingEventStatus InvoiceBillingEventStatusId { get; set; }
        public decimal Quantity { get; set; }
        public decimal Price { get; set; }
        public DateTimeOffset? ModifiedDateTime { get; set; }
        public long? ExecutionTime { get; set; }
        public string TxID { get; set; }
    }
}

namespace BillingEvents
{
    // RFC 9457's XML form, read by a default data-contract class.
    [DataContract(Name = "problem", Namespace = "urn:ietf:rfc:7807")]
    public class Problem
    {
        [DataMember] public string Message { get; set; }
        [DataMember] public string detail { get; set; }
        [DataMember] public int status { get; set; }
        [DataMember] public string title { get; set; }
        [DataMember] public string type { get; set; }
    }

    public static class Interop
    {
        static readonly List<string> Failures = new List<string>();
        static readonly DateTime Instant = new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);
        static readonly XmlMediaTypeFormatter Xml = new XmlMediaTypeFormatter();
        static readonly JsonMediaTypeFormatter Json = new JsonMediaTypeFormatter();
        static string Service;
        static HttpClient Client;

        static void Expect(string what, object expected, object actual)
        {
            if (!Equals(expected, actual))
                Failures.Add(string.Format("{0}: expected {1}, got {2}", what, expected, actual));
        }

        static void ExpectSet(string what, bool set)
        {
            if (!set) Failures.Add(what + ": left at its default");
        }

        static T Await<T>(Task<T> task)
        {
            return task.GetAwaiter().GetResult();
        }

        static string Events(string rest)
        {
            return Service + "/api/v1/BillingEvents/" + rest;
        }

        // The event's own members, whatever the class; the system fields set.
        static void Check(string how, Guid guid, Guid readGuid, string member, DateTime utc, EventType type,
            InvoiceBillingEventStatus status, decimal quantity, decimal price, bool modified, long? executionTime, string txId)
        {
            Expect(how + " BillingEventGuid", guid, readGuid);
            Expect(how + " MemberUniqueKey", "member-7", member);
            Expect(how + " EventDateTime", Instant, utc);
            Expect(how + " EventTypeId", EventType.Usage, type);
            Expect(how + " InvoiceBillingEventStatusId", InvoiceBillingEventStatus.Pending, status);
            Expect(how + " Quantity", 6.5m, quantity);
            Expect(how + " Price", 7.25m, price);
            ExpectSet(how + " ModifiedDateTime", modified);
            ExpectSet(how + " ExecutionTime", executionTime.HasValue);
            ExpectSet(how + " TxID", !string.IsNullOrEmpty(txId));
        }

        // A request that asks for `accept`, as Web API clients do: errors then come
        // under that type, which the client library has a formatter for.
        static HttpResponseMessage Send(HttpMethod method, string uri, string accept, HttpContent content = null, string ifMatch = null)
        {
            var request = new HttpRequestMessage(method, uri) { Content = content };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
            if (ifMatch != null) request.Headers.IfMatch.Add(new EntityTagHeaderValue(ifMatch));
            return Await(Client.SendAsync(request));
        }

        // POST with the Web API client, then GET in the same format, read back as T.
        static T RoundTrip<T>(string how, T sent, Guid guid, bool asXml)
        {
            var posted = asXml
                ? Await(Client.PostAsXmlAsync(Events("acme"), sent))
                : Await(Client.PostAsJsonAsync(Events("acme"), sent));
            Expect(how + " POST status", 201, (int)posted.StatusCode);
            var read = Send(HttpMethod.Get, Events(guid.ToString()), asXml ? "application/xml" : "application/json");
            Expect(how + " GET status", 200, (int)read.StatusCode);
            return Await(read.Content.ReadAsAsync<T>(new MediaTypeFormatter[] { asXml ? (MediaTypeFormatter)Xml : Json }));
        }

        static void DefaultClasses()
        {
            foreach (var asXml in new[] { true, false })
            {
                var how = asXml ? "XML DateTime" : "JSON DateTime";
                var guid = Guid.NewGuid();
                var sent = new InvoiceBillingEvent
                {
                    BillingEventGuid = guid, MemberUniqueKey = "member-7", EventDateTime = Instant,
                    EventTypeId = EventType.Usage, InvoiceBillingEventStatusId = InvoiceBillingEventStatus.Pending,
                    Quantity = 6.5m, Price = 7.25m,
                };
                var read = RoundTrip(how, sent, guid, asXml);
                Check(how, guid, read.BillingEventGuid, read.MemberUniqueKey, read.EventDateTime.ToUniversalTime(),
                    read.EventTypeId, read.InvoiceBillingEventStatusId, read.Quantity, read.Price,
                    read.ModifiedDateTime.HasValue, read.ExecutionTime, read.TxID);
            }
        }

        static void ConfiguredClasses()
        {
            foreach (var asXml in new[] { true, false })
            {
                var how = asXml ? "XML DateTimeOffset" : "JSON DateTimeOffset";
                var guid = Guid.NewGuid();
                var sent = new Acme.Billing.InvoiceBillingEvent
                {
                    BillingEventGuid = guid, MemberUniqueKey = "member-7",
                    // The same instant, written at +02:00.
                    EventDateTime = new DateTimeOffset(2026, 11, 30, 14, 0, 0, TimeSpan.FromHours(2)),
                    EventTypeId = EventType.Usage, InvoiceBillingEventStatusId = InvoiceBillingEventStatus.Pending,
                    Quantity = 6.5m, Price = 7.25m,
                };
                var read = RoundTrip(how, sent, guid, asXml);
                Check(how, guid, read.BillingEventGuid, read.MemberUniqueKey, read.EventDateTime.UtcDateTime,
                    read.EventTypeId, read.InvoiceBillingEventStatusId, read.Quantity, read.Price,
                    read.ModifiedDateTime.HasValue, read.ExecutionTime, read.TxID);
            }
        }

        // An error as a Web API client reads it: HttpError is a Dictionary<string, object>.
        static Dictionary<string, object> Error(string how, HttpResponseMessage response, int status)
        {
            Expect(how + " status", status, (int)response.StatusCode);
            var error = Await(response.Content.ReadAsAsync<Dictionary<string, object>>(new MediaTypeFormatter[] { Json }));
            ExpectSet(how + " Message", error.ContainsKey("Message") && !string.IsNullOrEmpty(error["Message"] as string));
            return error;
        }

        static string Body(Guid guid, string time, string price)
        {
            return "{\"billingEventGuid\":\"" + guid + "\",\"memberUniqueKey\":\"member-7\","
                + "\"eventDateTime\":\"" + time + "\",\"quantity\":1,\"price\":" + price + "}";
        }

        static HttpResponseMessage PostJson(string body, string accept = "application/json")
        {
            return Send(HttpMethod.Post, Events("acme"), accept, new StringContent(body, Encoding.UTF8, "application/json"));
        }

        static void Errors()
        {
            // 400 naming the fields, as HttpError's ModelState.
            var invalid = Error("400", PostJson(Body(Guid.NewGuid(), "2026-11-30T12:00:00Z", "\"seven\"")), 400);
            ExpectSet("400 ModelState naming price", invalid.ContainsKey("ModelState") && invalid["ModelState"].ToString().Contains("\"price\""));
            // The same problem in XML, read by a data-contract class.
            var asXml = PostJson(Body(Guid.NewGuid(), "2026-11-30T12:00:00Z", "\"seven\""), "application/xml");
            var xmlProblem = Await(asXml.Content.ReadAsAsync<Problem>(new MediaTypeFormatter[] { Xml }));
            Expect("400 in XML status", 400, xmlProblem.status);
            Expect("400 in XML type", "/problems/validation", xmlProblem.type);
            ExpectSet("400 in XML Message", !string.IsNullOrEmpty(xmlProblem.Message));

            Error("404", Send(HttpMethod.Get, Events(Guid.NewGuid().ToString()), "application/json"), 404);

            var guid = Guid.NewGuid();
            Expect("409 setup", 201, (int)PostJson(Body(guid, "2026-11-30T12:00:00Z", "2")).StatusCode);
            Error("409", PostJson(Body(guid, "2026-11-30T12:00:00Z", "3")), 409);

            var change = new StringContent("{\"invoiceBillingEventStatusId\":\"Invoiced\"}", Encoding.UTF8, "application/json");
            Error("412", Send(new HttpMethod("PATCH"), Events(guid.ToString()), "application/json", change, "\"7\""), 412);

            Error("415", Send(HttpMethod.Post, Events("acme"), "application/json", new StringContent("price=1", Encoding.UTF8, "text/plain")), 415);
        }

        static void DefaultBodies()
        {
            // Bodies as .NET writes them by default: a UTF-8 byte order mark (StreamWriter
            // with Encoding.UTF8), UTF-16 (StringContent with Encoding.Unicode).
            var bom = new ByteArrayContent(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(Body(Guid.NewGuid(), "2026-11-30T12:00:00Z", "2"))).ToArray());
            bom.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            Expect("POST with a byte order mark", 201, (int)Send(HttpMethod.Post, Events("acme"), "application/json", bom).StatusCode);
            var utf16 = new StringContent(Body(Guid.NewGuid(), "2026-11-30T12:00:00Z", "2"), Encoding.Unicode, "application/json");
            Expect("POST in UTF-16", 201, (int)Send(HttpMethod.Post, Events("acme"), "application/json", utf16).StatusCode);
            // A client that never set the event's time sends default(DateTime).
            Error("POST with default(DateTime)", PostJson(Body(Guid.NewGuid(), default(DateTime).ToString("s"), "2")), 400);
        }

        public static int Main(string[] args)
        {
            Service = args[0].TrimEnd('/');
            Client = new HttpClient();
            Client.DefaultRequestHeaders.Add("X-Api-Key", args[1]);
            var mode = args[2];
            if (mode == "configured")
                ConfiguredClasses();
            else
                DefaultClasses();
            Errors();
            DefaultBodies();

            foreach (var failure in Failures) Console.Error.WriteLine("interop: " + failure);
            Console.WriteLine(Failures.Count == 0 ? "interop (" + mode + "): every member arrived, every error read" : "interop: failed");
            return Failures.Count == 0 ? 0 : 1;
        }
    }
}
