using ModelShield.Api.Auth;
using ModelShield.Api.Hosting;
using ModelShield.Errors;

namespace ModelShield.Api.Tests.Auth;

[TestClass]
public sealed class EndpointAllowListTests
{
    private static readonly EndpointAllowList List = new(new ApiOptions { AllowedEndpoints = ["http://127.0.0.1:8000/v2/models/suspect"] });

    [TestMethod]
    [DataRow("http://127.0.0.1:8000/v2/models/suspect")]
    [DataRow("http://127.0.0.1:8000/v2/models/suspect/versions/2")]
    public void Check_UnderAnAllowedPrefix_Accepted(string url) => Assert.AreEqual(new Uri(url), List.Check(url));

    [TestMethod]
    [DataRow("http://127.0.0.1:8001/v2/models/suspect")]
    [DataRow("https://127.0.0.1:8000/v2/models/suspect")]
    [DataRow("http://127.0.0.2:8000/v2/models/suspect")]
    [DataRow("http://127.0.0.1:8000/v2/models/suspect2")]
    [DataRow("http://127.0.0.1:8000/v2/models/suspect/../other")]
    [DataRow("http://user:pw@127.0.0.1:8000/v2/models/suspect")]
    public void Check_NotOnTheList_ThrowsMS1057(string url) =>
        Assert.AreEqual(ErrorCodes.EndpointNotAllowed, Assert.ThrowsExactly<ModelShieldException>(() => List.Check(url)).Code);

    [TestMethod]
    [DataRow("file:///etc/passwd")]
    [DataRow("not a url")]
    public void Check_NotHttp_ThrowsMS8001(string url) =>
        Assert.AreEqual(ErrorCodes.EndpointInvalid, Assert.ThrowsExactly<ModelShieldException>(() => List.Check(url)).Code);
}
