# ruff: noqa: E501 - fixture pages keep the real sites' long HTML lines
"""Block pages as the real sites serve them instead of the page asked for. The markup is
our own; the structure follows real responses:

* m.weibo.cn's H5 error page (``<div class="h5-4box">`` … ``<p class="h5-4con">`` with the
  message; the same template appears in crawler bug reports quoting m.weibo.cn, e.g.
  NanmiCoder/MediaCrawler issue 914). Titled "404错误" while it is served with HTTP 200 in
  place of the JSON of ``/api/container/getIndex``; the account-abnormal variant says
  "帐号存在异常" with code 20003, the busy variant "网络繁忙".
* Sina SSO's login answer (``login.sina.com.cn/sso/login.php`` with ``returntype=META``,
  as login scripts in public repositories describe it): a GBK page titled "新浪通行证"
  whose meta refresh and ``location.replace`` send the browser to
  ``weibo.com/ajaxlogin.php?framelogin=1&callback=parent.sinaSSOController.
  feedBackUrlCallBack&retcode=101&reason=<GBK-quoted reason>``.
"""

from __future__ import annotations

from urllib.parse import quote

_H5_STYLE = """<style>
        .h5-4box { padding-top: 4.5rem; text-align: center; }
        .h5-4img img { width: 6.25rem; }
        .h5-4con { padding-top: 1.875rem; font-size: 0.875rem; line-height: 1.2; color: #636363; text-align: center; }
        .h5-5con { padding-top: 1.875rem; font-size: 0.5rem; line-height: 1.2; color: #636363; text-align: center; }
        .btn { display: inline-block; border: #e86b0f solid 1px; margin: 0 0 0 5px; padding: 0 10px; line-height: 25px; font-size: .75rem; color: #FFF; border-radius: 3px; background-color: #ff8200; }
    </style>"""


def weibo_error_page(title: str, message: str) -> bytes:
    return f"""<!DOCTYPE html>
<html>
<head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width,initial-scale=1,minimum-scale=1,maximum-scale=1,user-scalable=no">
    <title>{title}</title>
    {_H5_STYLE}
</head>
<body>
<div class="h5-4box">
                <div class="h5-4img">
                        <img src="//h5.sinaimg.example/upload/2016/04/11/319/h5-404.png">
                </div>
    <p class="h5-4con">{message}</p>
    <br/>
            <div class="h5-5con"><a href="/">返回首页</a></div>    </div>
</body>
</html>
""".encode()


def weibo_account_abnormal() -> bytes:
    return weibo_error_page("404错误", "帐号存在异常，暂时无法访问(20003)")


def weibo_busy() -> bytes:
    return weibo_error_page("出错了", "网络繁忙，请稍后再试")


def sina_sso_login(ajaxlogin: str) -> bytes:
    """GBK, like the real one; ``ajaxlogin`` is where it sends the browser (another host)."""
    reason = quote("登录名或密码错误".encode("gbk"))
    target = (
        f"{ajaxlogin}?framelogin=1&callback=parent.sinaSSOController.feedBackUrlCallBack"
        f"&retcode=101&reason={reason}"
    )
    return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=GBK" />
<title>新浪通行证</title>
<meta http-equiv="refresh" content="0; url=&#39;{target}&#39;"/>
</head>
<body bgcolor="#ffffff" >
<script type="text/javascript" language="javascript">
location.replace('{target}');
</script>
</body>
</html>
""".encode("gbk")
