using Microsoft.AspNetCore.Http;
using OrleansChat.Gateway.Auth;

namespace OrleansChat.Tests.Security;

/// <summary>
/// <c>access_token</c> read from the raw query string, and through the query parser when the query has an escape: a
/// client's URL library may escape a JWT's '.' (System.Uri, which the end-to-end tests use, never does).
/// </summary>
public sealed class BearerTokenTests
{
    [Theory]
    [InlineData("?access_token=h.p.s", "h.p.s")]
    [InlineData("?v=2&Access_Token=h.p.s&x=1", "h.p.s")]
    [InlineData("?access_token=h%2Ep%2Es", "h.p.s")]
    [InlineData("?name=a+b&access_token=h.p.s", "h.p.s")]
    [InlineData("?access_token=", "")]
    [InlineData("?v=access_token%3Dh.p.s", "")]
    [InlineData("?xaccess_token=h.p.s", "")]
    [InlineData("", "")]
    public void The_query_token_is_what_the_query_parser_would_read(string query, string expected)
    {
        var request = new DefaultHttpContext().Request;
        request.QueryString = new QueryString(query.Length == 0 ? null : query);

        Assert.Equal(expected, BearerToken.FromQuery(request).ToString());
        Assert.Equal(request.Query["access_token"].ToString(), BearerToken.FromQuery(request).ToString());
    }
}
