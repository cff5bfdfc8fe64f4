//! The ranker's signals, one test each, on a small Python shop built in a temp dir. Each
//! test checks that the signal places the right file first *and* that switching the signal
//! off in the weight table loses it (so the test fails when the signal stops working).

use octagit::index::{self, Index, IndexOptions, Ranked, SignalHit, Weights};

use crate::support::repo::TempRepo;

const JQUERY_BODY: &str = "function even(list) {\n  return list.filter(function (x, i) { return i % 2 === 0; });\n}\nfunction html(node, value) {\n  node.innerHTML = value;\n  return node;\n}\nfunction index(list, item) {\n  return list.indexOf(item);\n}\n";

const NOTES: &str = "# winter paying sell fails discount\n# setting round mode down effect\n# accepts card number\n# receipt items joined wrongly\nNOTES = 1\n";

fn shop() -> TempRepo {
    let jquery = format!(
        "/*!\n * jQuery JavaScript Library v3.5.1\n * Copyright JS Foundation and other contributors\n * Released under the MIT license\n */\n{}",
        JQUERY_BODY.repeat(20)
    );
    TempRepo::with_files(&[
        ("shop/__init__.py", "from .cart import Cart\n"),
        (
            "shop/cart.py",
            "from .pricing import apply_discount\n\n\nclass Cart:\n    def __init__(self):\n        self.items = []\n\n    def add_item(self, item, quantity=1):\n        self.items.append((item, 1))\n\n    def total_price(self, code=None):\n        total = sum(p for p, _ in self.items)\n        total = apply_discount(total, code)\n        total = apply_discount(total, None)\n        return apply_discount(total, code)\n",
        ),
        (
            "shop/pricing.py",
            "CODES = {'SUMMER': 0.1}\nROUNDING = register_option('pricing_round_mode', default='up')\n\n\ndef apply_discount(price, code):\n    if code and code not in CODES:\n        raise ValueError('unknown discount code %s' % code)\n    return price * (1 - CODES.get(code, 0))\n",
        ),
        (
            "shop/messages.py",
            "# Texts shown to people.\nGREETING = 'hello'\n\n\ndef greet(name):\n    return GREETING + name\n",
        ),
        (
            "shop/checkout/__init__.py",
            "def pay(cart, card):\n    if not card:\n        return None\n    return cart.total_price()\n",
        ),
        (
            "shop/checkout/receipt.py",
            "def print_receipt(cart):\n    return '\\n'.join(str(i) for i in cart.items)\n",
        ),
        (
            "shop/utils.py",
            "def slugify(text):\n    return text.lower().replace(' ', '-')\n",
        ),
        (
            "tests/test_cart.py",
            "from shop.cart import Cart\n\n\ndef test_add_item():\n    cart = Cart()\n    cart.add_item('apple', quantity=3)\n    cart.add_item('pear')\n    assert len(cart.items) == 2\n\n\ndef test_add_item_quantity():\n    Cart().add_item('apple', quantity=2)\n",
        ),
        (
            "tests/roots/target.py",
            "def foo(x):\n    return x\n\n\ndef bar(y):\n    return foo(y)\n\n\ndef baz():\n    return bar(1)\n",
        ),
        ("docs/_static/jquery-3.5.1.js", jquery.as_str()),
        // A decoy: comments full of the tests' issue words, so plain word matching alone
        // ranks it first and each signal has to earn its file's place.
        ("shop/notes.py", NOTES),
    ])
}

fn build(repo: &TempRepo) -> Index {
    index::build(repo.path(), &IndexOptions::default()).expect("index builds")
}

fn first(r: &[Ranked]) -> &str {
    r.first().map_or("", |r| r.path.as_str())
}

/// The file's hit of one signal, if that signal placed it.
fn hit<'a>(r: &'a Ranked, signal: &str) -> Option<&'a SignalHit> {
    r.signals.iter().find(|s| s.signal == signal)
}

fn signals(r: &[Ranked], path: &str) -> Vec<String> {
    r.iter()
        .find(|x| x.path == path)
        .map(|x| x.signals.iter().map(|s| s.signal.clone()).collect())
        .unwrap_or_default()
}

fn brief(r: &[Ranked]) -> String {
    r.iter()
        .take(5)
        .map(|x| {
            let s: Vec<String> = x
                .signals
                .iter()
                .map(|s| format!("{}={}", s.signal, s.value))
                .collect();
            format!("{} {} [{}]", x.path, x.score, s.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The table with these signals switched off. The graph signal only spreads the others'
/// evidence; on a twelve-file fixture it is noise, so the contrasts switch it off too.
fn without(names: &[&str]) -> Weights {
    let mut w = Weights::default();
    for n in names.iter().chain(&["graph"]) {
        let i = index::SIGNALS.iter().position(|s| s.name == *n).unwrap();
        w.0[i] = Weights::without(n).unwrap().0[i];
    }
    w
}

fn pos(r: &[Ranked], path: &str) -> usize {
    r.iter().position(|x| x.path == path).unwrap_or(usize::MAX)
}

/// `path` ranks first with the table, carrying `signal`; with `signal` switched off the
/// decoy (plain word matches) ranks above it.
fn placed_by(idx: &Index, issue: &str, path: &str, signal: &str) -> Vec<Ranked> {
    placed_over(idx, issue, path, signal, "shop/notes.py")
}

/// [`placed_by`] with another decoy.
fn placed_over(idx: &Index, issue: &str, path: &str, signal: &str, decoy: &str) -> Vec<Ranked> {
    let on = index::rank(idx, issue);
    assert_eq!(first(&on), path, "{}", brief(&on));
    assert!(
        signals(&on, path).iter().any(|s| s == signal),
        "{signal} missing: {:?}",
        on[0].signals
    );
    let off = index::rank_with(idx, issue, &without(&[signal]));
    assert!(
        pos(&off, decoy) < pos(&off, path),
        "still first without {signal}:\n{}",
        brief(&off)
    );
    on
}

#[test]
fn error_messages_quoted_in_the_issue_match_string_literals() {
    let repo = shop();
    let idx = build(&repo);
    let issue = "Paying fails with\n\n    ValueError: unknown discount code WINTER\n\nbut WINTER is a code we sell.";
    let on = placed_by(&idx, issue, "shop/pricing.py", "literal");
    let lit = hit(&on[0], "literal").unwrap();
    assert!(lit.detail.contains("line 7"), "{lit:?}");
}

#[test]
fn option_names_match_their_registration_literal() {
    let repo = shop();
    let idx = build(&repo);
    placed_by(
        &idx,
        "Setting pricing_round_mode to 'down' has no effect",
        "shop/pricing.py",
        "literal",
    );
}

#[test]
fn the_defining_file_beats_the_files_that_use_a_name() {
    let repo = shop();
    let idx = build(&repo);
    let on = placed_over(
        &idx,
        "`apply_discount` returns a negative total",
        "shop/pricing.py",
        "defines",
        "shop/cart.py",
    );
    assert!(
        on.iter()
            .any(|r| r.path == "shop/cart.py" && r.signals.iter().any(|s| s.signal == "uses"))
    );
}

#[test]
fn short_common_names_from_example_code_count_little() {
    let repo = shop();
    let idx = build(&repo);
    // The example code names foo, bar and baz (all defined in a test fixture) and one
    // specific name once.
    let issue =
        "```python\ndef foo():\n    bar = baz()\n    cart.total_price()\n```\nThe total is wrong.";
    let r = index::rank(&idx, issue);
    assert_eq!(first(&r), "shop/cart.py", "{r:#?}");
    let pos = |p: &str| r.iter().position(|x| x.path == p).unwrap_or(usize::MAX);
    assert!(pos("tests/roots/target.py") > pos("shop/cart.py"));
}

#[test]
fn the_deepest_stack_frame_comes_first_with_its_function() {
    let repo = shop();
    let idx = build(&repo);
    let issue = "Traceback (most recent call last):\n  File \"/srv/app/shop/cart.py\", line 14, in total_price\n  File \"/srv/app/shop/pricing.py\", line 7, in apply_discount\nKeyError: 'x'\n";
    let on = placed_over(&idx, issue, "shop/pricing.py", "frame", "shop/cart.py");
    assert_eq!(on[1].path, "shop/cart.py", "{on:#?}");
    let sym = &on[0].symbols[0];
    assert_eq!(sym.name, "apply_discount");
    assert_eq!((sym.line, sym.end_line), (5, 8));
    assert!(sym.why.contains("stack trace line 7"), "{sym:?}");
    // A file:line form counts as a frame too.
    let r = index::rank(&idx, "Wrong slug at shop/utils.py:2");
    assert_eq!(first(&r), "shop/utils.py", "{r:#?}");
}

#[test]
fn a_written_path_or_dotted_module_names_the_file() {
    let repo = shop();
    let idx = build(&repo);
    placed_by(
        &idx,
        "Receipts: see shop/checkout/receipt.py, the items are joined wrongly",
        "shop/checkout/receipt.py",
        "path",
    );
    let r = index::rank(&idx, "`shop.checkout.receipt` joins items wrongly");
    assert_eq!(first(&r), "shop/checkout/receipt.py", "{r:#?}");
}

#[test]
fn a_named_package_is_its_init_file() {
    let repo = shop();
    let idx = build(&repo);
    placed_by(
        &idx,
        "`checkout` accepts an empty card number",
        "shop/checkout/__init__.py",
        "package",
    );
}

#[test]
fn a_named_package_lends_its_modules_a_share() {
    let repo = shop();
    let idx = build(&repo);
    let r = index::rank(&idx, "`checkout` prints the items joined in one line");
    assert!(
        signals(&r, "shop/checkout/receipt.py").contains(&"package".to_string()),
        "{}",
        brief(&r)
    );
    let off = index::rank_with(
        &idx,
        "`checkout` prints the items joined in one line",
        &without(&["package"]),
    );
    assert!(!signals(&off, "shop/checkout/receipt.py").contains(&"package".to_string()));
}

#[test]
fn vendored_libraries_are_found_by_content_and_kept_out() {
    let repo = shop();
    let idx = build(&repo);
    let js = "docs/_static/jquery-3.5.1.js";
    let i = idx.position(js).expect("listed");
    assert_eq!(idx.files[i].kind, index::FileKind::Generated);
    let issue = "`index` and `html` of the list are even wrong";
    let on = index::rank(&idx, issue);
    assert!(on.iter().all(|r| r.path != js), "{on:#?}");
    let off = index::rank_with(&idx, issue, &Weights::without("generated").unwrap());
    assert_eq!(first(&off), js, "{off:#?}");
}

#[test]
fn tests_are_demoted_unless_the_issue_names_them() {
    let repo = shop();
    let idx = build(&repo);
    let issue = "Cart add_item quantity is dropped: add_item('apple', quantity=3) keeps 1";
    let on = index::rank(&idx, issue);
    assert_eq!(first(&on), "shop/cart.py", "{}", brief(&on));
    let t = on.iter().find(|r| r.path == "tests/test_cart.py").unwrap();
    assert!(
        t.signals
            .iter()
            .any(|s| s.signal == "tests" && s.value < 1.0)
    );
    // Switched off, the test file keeps its whole score.
    let off = index::rank_with(&idx, issue, &without(&["tests"]));
    let score = |r: &[Ranked], p: &str| r.iter().find(|x| x.path == p).unwrap().score;
    let on = index::rank_with(&idx, issue, &without(&[]));
    let (demoted, whole) = (
        score(&on, "tests/test_cart.py"),
        score(&off, "tests/test_cart.py"),
    );
    assert!((demoted - 0.6 * whole).abs() < 0.01, "{demoted} vs {whole}");
    let named = index::rank(&idx, "tests/test_cart.py fails: quantity add_item");
    assert_eq!(first(&named), "tests/test_cart.py", "{}", brief(&named));
}

#[test]
fn bm25_words_and_the_reference_graph_place_files_without_names() {
    let repo = shop();
    let idx = build(&repo);
    let r = index::rank(&idx, "the greeting shown to people misses a space");
    assert_eq!(first(&r), "shop/messages.py", "{}", brief(&r));
    assert!(signals(&r, "shop/messages.py").contains(&"bm25".to_string()));
    // The plain baseline ranks too, with no signals.
    let b = index::bm25_baseline(&idx, "the greeting shown to people");
    assert_eq!(first(&b), "shop/messages.py");
    // Files that use the top file's definitions get graph credit.
    let r = index::rank(&idx, "`apply_discount` returns a negative total");
    assert!(
        signals(&r, "shop/cart.py").contains(&"graph".to_string()),
        "{r:#?}"
    );
}

#[test]
fn rank_json_shows_signals_and_symbol_ranges_and_the_map_shows_them() {
    let repo = shop();
    let cache = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("octagit")
        .unwrap()
        .env("XDG_CACHE_HOME", cache.path())
        .args(["rank", "--repo"])
        .arg(repo.path())
        .args([
            "--issue",
            "ValueError: unknown discount code from apply_discount",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let top = &v["ranked"][0];
    assert_eq!(top["path"], "shop/pricing.py");
    let names: Vec<&str> = top["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["signal"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"literal") && names.contains(&"defines"),
        "{names:?}"
    );
    assert!(top["signals"][0]["value"].as_f64().unwrap() > 0.0);
    assert_eq!(top["symbols"][0]["name"], "apply_discount");
    assert_eq!(top["symbols"][0]["end_line"], 8);

    let idx = build(&repo);
    let ranked = index::rank(
        &idx,
        "ValueError: unknown discount code from apply_discount",
    );
    let map = index::repo_map(&idx, &ranked, 400);
    assert!(
        map.contains("5│ def apply_discount(price, code):  ◀ lines 5-8:"),
        "{map}"
    );
}

#[test]
fn the_title_names_the_problem_and_counts_more_than_the_body() {
    let repo = shop();
    let idx = build(&repo);
    // The same two names, once each; only which one the first line names differs.
    let a = index::rank(
        &idx,
        "`greet` output is wrong\n\nSeen while `slugify` ran too.",
    );
    let b = index::rank(
        &idx,
        "`slugify` output is wrong\n\nSeen while `greet` ran too.",
    );
    assert_eq!(first(&a), "shop/messages.py", "{}", brief(&a));
    assert_eq!(first(&b), "shop/utils.py", "{}", brief(&b));
}

#[test]
fn prose_that_shares_only_stop_words_with_a_message_does_not_match_it() {
    let repo = TempRepo::with_files(&[
        (
            "calc/indexed.py",
            "def check(i):\n    if not isinstance(i, int):\n        raise TypeError(\"Index is not an integer number.\")\n",
        ),
        (
            "calc/mod.py",
            "class Mod:\n    def eval(self, p, q):\n        return p % q\n",
        ),
    ]);
    let idx = build(&repo);
    let issue =
        "Mod(x**2, x) is not (always) 0\nWhen the base is not an integer, `x**2 % x` is not 0.";
    let on = index::rank(&idx, issue);
    assert_eq!(first(&on), "calc/mod.py", "{}", brief(&on));
    // "is not an integer": three stop words and one common word, no quoted message.
    assert!(
        !signals(&on, "calc/indexed.py").contains(&"literal".to_string()),
        "{}",
        brief(&on)
    );
}

#[test]
fn the_lexical_order_is_fused_by_reciprocal_rank() {
    let repo = shop();
    let idx = build(&repo);
    let issue = "Receipt items are joined wrongly";
    let on = index::rank(&idx, issue);
    let fused = |r: &Ranked| hit(r, "bm25_rank").map(|s| (s.value, s.detail.clone()));
    // The words' best file gets the whole weight, the next 1 / (1 + 1/2) of it.
    let mut by_rank: Vec<(f64, String)> = on.iter().filter_map(fused).collect();
    by_rank.sort_by(|a, b| b.0.total_cmp(&a.0));
    assert_eq!(
        by_rank[0],
        (2.0, "rank 1 by words".to_string()),
        "{}",
        brief(&on)
    );
    assert_eq!(
        by_rank[1],
        (1.333, "rank 2 by words".to_string()),
        "{}",
        brief(&on)
    );
    // Switched off, it is gone from every file and the words' best file loses its share
    // (the graph, spread from every signal, moves a little too).
    let off = index::rank_with(&idx, issue, &Weights::without("bm25_rank").unwrap());
    assert!(off.iter().all(|r| fused(r).is_none()));
    let best = on
        .iter()
        .find(|r| fused(r).is_some_and(|f| f.0 == 2.0))
        .unwrap();
    let was = off.iter().find(|x| x.path == best.path).unwrap();
    assert!(
        best.score - was.score > 1.5,
        "{} vs {}",
        best.score,
        was.score
    );
}

#[test]
fn names_in_prose_count_more_than_names_only_in_example_code() {
    let repo = shop();
    let idx = build(&repo);
    // The same two names each time; only which one the prose points at differs.
    let issue = |prose: &str, code: &str| {
        format!(
            "Output is off by one space\n\nWhat `{prose}` gives back is wrong here:\n\n>>> {code}(x)\n"
        )
    };
    let a = index::rank(&idx, &issue("greet", "slugify"));
    let b = index::rank(&idx, &issue("slugify", "greet"));
    assert_eq!(first(&a), "shop/messages.py", "{}", brief(&a));
    assert_eq!(first(&b), "shop/utils.py", "{}", brief(&b));
}
