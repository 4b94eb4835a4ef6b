"""A minimal Scrapy spider for bench/backfill_vs_scrapy.sh: fetches the article URLs listed in a
file from the local Naver stand-in and extracts the fields sillok archives, with its own CSS
selectors.

Scrapy cannot be told to connect to another address for a host name (curl's --connect-to),
so every request goes to https://127.0.0.1:PORT/<path> with the article's real host in the
Host header, which is what the stand-in routes on. Scrapy does not verify server
certificates by default, so the stand-in's throwaway CA needs no configuration.

    scrapy runspider naver_spider.py -a urls=FILE -a port=PORT -s CONCURRENT_REQUESTS=8 \
        -s CONCURRENT_REQUESTS_PER_DOMAIN=8 -O items.jsonl
"""
from urllib.parse import urlsplit

import scrapy


def squeezed(texts):
    """The texts joined and their white space collapsed."""
    return " ".join(" ".join(texts).split())


def joined(selection):
    """Each element's text, empty ones left out, joined with ", "."""
    texts = (squeezed(element.css("::text").getall()) for element in selection)
    return ", ".join(text for text in texts if text)


def kst_iso(value):
    """'2024-05-30 11:40:08' (KST) as '2024-05-30T11:40:08+09:00'."""
    return value.replace(" ", "T") + "+09:00" if value else None


class NaverArticleSpider(scrapy.Spider):
    name = "naver_articles"
    custom_settings = {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "RETRY_TIMES": 4,
        "DOWNLOAD_TIMEOUT": 60,
        "FEED_EXPORT_ENCODING": "utf-8",
        "USER_AGENT": "scrapy-bench (sillok benchmark; local stand-in only)",
    }

    def __init__(self, urls, port, **kwargs):
        super().__init__(**kwargs)
        self.url_file = urls
        self.port = int(port)

    def start_requests(self):
        with open(self.url_file, encoding="utf-8") as listed:
            for line in listed:
                url = line.strip()
                if not url:
                    continue
                parts = urlsplit(url)
                yield scrapy.Request(
                    f"https://127.0.0.1:{self.port}{parts.path}",
                    headers={"Host": parts.hostname},
                    callback=self.parse_article,
                    cb_kwargs={"url": url},
                )

    def parse_article(self, response, url):
        title = (
            squeezed(response.css("#title_area ::text").getall())
            or squeezed(response.css("h2.media_end_head_headline ::text").getall())
            or response.css('meta[property="og:title"]::attr(content)').get("")
        )
        logo = response.css("img.media_end_head_top_logo_img")[:1]
        publisher = (logo.attrib.get("title") or logo.attrib.get("alt")) if logo else None
        if not publisher:
            author_meta = response.css('meta[property="og:article:author"]::attr(content)').get("")
            publisher = squeezed([author_meta.split("|")[0]])
        author = joined(response.css(".byline_s")) or joined(response.css(".byline")) or joined(
            response.css(".media_end_head_journalist_name")
        )
        body_lines = (squeezed([text]) for text in response.css("#dic_area ::text").getall())
        yield {
            "url": url,
            "title": title,
            "publisher": publisher,
            "author": author,
            "category": joined(response.css(".media_end_categorize_item")),
            "published_at": kst_iso(response.css("span._ARTICLE_DATE_TIME::attr(data-date-time)").get()),
            "modified_at": kst_iso(
                response.css("span._ARTICLE_MODIFY_DATE_TIME::attr(data-modify-date-time)").get()
            ),
            "original_url": response.css("a.media_end_head_origin_link::attr(href)").get(),
            "content": "\n".join(line for line in body_lines if line),
        }
