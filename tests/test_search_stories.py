"""Full-text search and story clusters, through the pipeline into PostgreSQL."""

from __future__ import annotations

import random

import numpy as np
from conftest import rows, scalar

from etl.run.pipeline import run
from etl.stages.stories import signature, similarity
from etl.web.site import Site

WIRE = [
    "Government forces and fighters of an armed coalition clashed for a third day on Thursday "
    "near the northern river crossing, local officials said, as thousands of residents fled "
    "towards the provincial capital.",
    "A council member said at least eleven civilians had been killed since Tuesday and dozens "
    "wounded, most of them by shelling that struck a market and two schools.",
    "Humanitarian agencies warned that camps on the edge of the capital were already full and "
    "that water and fuel were running out as temperatures dropped at night.",
    "Mediators from neighbouring states urged both sides to respect a truce agreed in the spring "
    "and to allow the wounded to be evacuated to the regional hospital.",
    "Neither side commented on the fighting. A spokesperson for the coalition said on Wednesday "
    "that its fighters were defending villages against an offensive.",
]
OTHER = [
    "The central bank held interest rates steady on Thursday, saying inflation had eased but "
    "remained above its target, and signalled that cuts could come next year.",
    "Economists had expected the decision. The currency rose slightly against the dollar after "
    "the announcement, and government bond yields fell.",
    "The bank's governor told reporters that energy prices and wages were the main risks to the "
    "outlook, and that the board would watch the data closely.",
    "Business groups welcomed the pause but said higher borrowing costs continued to weigh on "
    "investment, especially for small firms in manufacturing and construction.",
]


def page(title: str, paragraphs: list[str], site: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html lang='en'><head><title>{title}</title><meta property='og:site_name' "
            f"content='{site}'></head><body><nav>Home World Sport</nav><article><h1>{title}"
            f"</h1>{body}</article><footer>(c) {site}</footer></body></html>").encode()


def test_republished_and_lightly_edited_stories_are_one_story(settings, conn, tmp_path):
    edited = list(WIRE)
    edited[0] = edited[0].replace("Thursday", "Thursday, the region's worst week this year,")
    edited.append("This story has been updated with comments from mediators.")
    files = {
        "/a.html": page("Clashes near river crossing", WIRE, "Outlet A"),
        "/b.html": page("Fighting rages for third day", edited, "Outlet B"),
        "/c.html": page("Clashes near river crossing (wire)", WIRE, "Outlet C"),
        "/d.html": page("Central bank holds rates", OTHER, "Outlet A"),
    }
    items = "".join(f"<item><title>{k}</title><link>{{{{BASE_URL}}}}{k}</link></item>"
                    for k in files)
    files["/feed.xml"] = (f'<rss version="2.0"><channel><title>F</title>{items}</channel>'
                          "</rss>").encode()
    with Site(files=files) as site:
        path = tmp_path / "f.yaml"
        path.write_text(f'feeds:\n  - url: "{site.url("/feed.xml")}"\n')
        summary = run(settings, path)
        stories = dict(rows(conn, "SELECT split_part(url, '/', 4), story_id FROM articles"))
        first = run(settings, path, all_feeds=True)
    assert summary.articles_clustered == 4 and first.articles_clustered == 0
    assert stories["a.html"] == stories["b.html"] == stories["c.html"]
    assert stories["d.html"] != stories["a.html"]
    assert stories["a.html"] == scalar(conn, "SELECT min(id) FROM articles WHERE story_id = %s",
                                       (stories["a.html"],))
    assert scalar(conn, "SELECT count(*) FROM article_minhash_bands") == 4 * 16


def test_signature_similarity_tracks_overlap():
    rng = random.Random(3)  # noqa: S311 - test data
    words = [f"w{rng.randrange(5000)}" for _ in range(400)]
    base = signature(" ".join(words))
    small_edit = signature(" ".join(words[:380] + ["changed"] * 20))
    unrelated = signature(" ".join(f"x{rng.randrange(5000)}" for _ in range(400)))
    assert similarity(base, base) == 1.0
    assert similarity(base, small_edit) > 0.7
    assert similarity(base, unrelated) < 0.1
    assert signature("too short") is None
    assert isinstance(base, np.ndarray) and len(base) == 64


def test_search_articles(settings, site, feeds_file, conn):
    run(settings, feeds_file)
    hits = rows(conn, "SELECT title, rank > 0 FROM analytics.search_articles(%s)",
                ("shelling",))
    assert hits[0] == ("Shelling reported near the river crossing", True)
    phrase = rows(conn, "SELECT title FROM analytics.search_articles(%s)",
                  ('"aid convoy" -ceasefire',))
    assert phrase == [("Aid convoy reaches besieged town",)]
    stemmed = rows(conn, "SELECT title FROM analytics.search_articles('negotiation')")
    assert ("Aid convoy reaches besieged town",) in stemmed  # "negotiations" in the text
    assert rows(conn, "SELECT * FROM analytics.search_articles('zzzyyyxxx')") == []
    # the index is used
    plan = "\n".join(r[0] for r in rows(
        conn, "EXPLAIN SELECT id FROM articles WHERE search_tsv @@ "
              "websearch_to_tsquery('english', 'shelling')"))
    assert "articles_search_tsv_idx" in plan or "Seq Scan" in plan  # tiny table: either


def test_search_in_other_languages(settings, site, conn, tmp_path):
    site.files["/feeds/fr.xml"] = (
        b'<rss version="2.0"><channel><title>FR</title>'
        b"<item><title>Sahel</title><link>{{BASE_URL}}/news/sahel-fr.html</link></item>"
        b"</channel></rss>"
    )
    path = tmp_path / "fr.yaml"
    path.write_text(f'feeds:\n  - url: "{site.base_url}/feeds/fr.xml"\n')
    run(settings, path)
    assert rows(conn, "SELECT count(*) FROM articles WHERE search_tsv @@ "
                      "to_tsquery('french', 'déplacé')") == [(1,)]
    assert len(rows(conn, "SELECT * FROM analytics.search_articles('déplacés')")) == 1

