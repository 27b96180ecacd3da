//! The formatter against what `terraform fmt` writes for the same input.

use super::*;

/// Formats and unwraps.
fn fmt(text: &str) -> String {
    format(text).unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn formats_like_terraform_fmt() {
    let input = r#"resource   "aws_db_instance"   "this"{
identifier=var.name
    allocated_storage = ceil(var.storage_bytes/1073741824)
multi_az = var.high_availability # a comment
  backup_retention_period = var.backups ? max(1, ceil(var.backup_retention_seconds / 86400)) : 0
tags=merge(var.tags,{Name=var.name})
  lifecycle {
  ignore_changes = [password]
  }
  list = [ "a","b" ,
  "c"]
  neg = -1
  sub = 3 -1
  not = !var.x
  interp = "${var.a}-${ var.b }x"
  index = var.list[0]
  splat = aws_subnet.this[*].id
  fn = jsonencode({
    a = 1
    bb = [for x in var.l : upper(x) if x != ""]
  })
  obj = { for k, v in var.m : k => v... }
  cond = var.a == null ? "" : "x"
}
output "x" {
  value = 1
}
"#;
    let expected = r#"resource "aws_db_instance" "this" {
  identifier              = var.name
  allocated_storage       = ceil(var.storage_bytes / 1073741824)
  multi_az                = var.high_availability # a comment
  backup_retention_period = var.backups ? max(1, ceil(var.backup_retention_seconds / 86400)) : 0
  tags                    = merge(var.tags, { Name = var.name })
  lifecycle {
    ignore_changes = [password]
  }
  list = ["a", "b",
  "c"]
  neg    = -1
  sub    = 3 - 1
  not    = !var.x
  interp = "${var.a}-${var.b}x"
  index  = var.list[0]
  splat  = aws_subnet.this[*].id
  fn = jsonencode({
    a  = 1
    bb = [for x in var.l : upper(x) if x != ""]
  })
  obj  = { for k, v in var.m : k => v... }
  cond = var.a == null ? "" : "x"
}
output "x" {
  value = 1
}
"#;
    assert_eq!(fmt(input), expected);
    assert_eq!(fmt(expected), expected, "formatting is idempotent");
}

#[test]
fn keeps_heredocs_and_aligns_comments() {
    let input = r#"# A header comment
locals {
  a = 1
  bbb = <<-EOT
      keep   this
    ${var.x}
  EOT
  cc = 2 # two
  dddd = "x" // four
  # standalone
  e = 3
  /* block */ f = 4
}
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source = "hashicorp/aws"
      version = "~> 5.0"
    }
    random = { source = "hashicorp/random", version = "~> 3.6" }
  }
}
"#;
    let expected = r#"# A header comment
locals {
  a    = 1
  bbb  = <<-EOT
      keep   this
    ${var.x}
  EOT
  cc   = 2   # two
  dddd = "x" // four
  # standalone
  e             = 3
  /* block */ f = 4
}
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    random = { source = "hashicorp/random", version = "~> 3.6" }
  }
}
"#;
    assert_eq!(fmt(input), expected);
    assert_eq!(fmt(expected), expected);
}

#[test]
fn normalises_blank_lines() {
    let input = "\n\n# head\n\n\nresource \"a\" \"b\" {\n\n  x = 1\n\n\n  y = 2\n\n}\n\n\n";
    assert_eq!(fmt(input), "# head\n\nresource \"a\" \"b\" {\n  x = 1\n\n  y = 2\n}\n");
}

#[test]
fn reports_what_is_not_hcl() {
    let error = |text: &str| format(text).err().map(|e| (e.line, e.message));
    assert_eq!(error("a = \"x\n"), Some((1, "a quoted string is not closed".to_owned())));
    assert_eq!(error("a {\n  b = 1\n"), Some((3, "a bracket is not closed".to_owned())));
    assert_eq!(error("a = <<EOT\nx\n"), Some((3, "a heredoc is not closed".to_owned())));
    assert_eq!(error("}\n"), Some((2, "a bracket closes nothing".to_owned())));
}

#[test]
fn reads_blocks_and_provider_requirements() {
    let text = fmt(r#"# A header comment
locals {
  a = 1
  bbb = <<-EOT
      keep   this
    ${var.x}
  EOT
  cc = 2 # two
  dddd = "x" // four
  # standalone
  e = 3
  /* block */ f = 4
}
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source = "hashicorp/aws"
      version = "~> 5.0"
    }
    random = { source = "hashicorp/random", version = "~> 3.6" }
  }
}
variable "name" {
  type = string
}
variable "empty" {}
"#);
    let headers: Vec<String> = blocks(&text).into_iter().map(|b| b.header).collect();
    assert_eq!(headers, ["locals", "terraform", "variable \"name\"", "variable \"empty\""]);
    let variable = blocks(&text).into_iter().nth(2).unwrap();
    assert_eq!(variable.text, "variable \"name\" {\n  type = string\n}\n");
    let requirement = |name: &str, source: &str, version: &str| Requirement {
        name: name.to_owned(),
        source: Some(source.to_owned()),
        version: Some(version.to_owned()),
    };
    assert_eq!(
        required_providers(&text),
        [
            requirement("aws", "hashicorp/aws", "~> 5.0"),
            requirement("random", "hashicorp/random", "~> 3.6")
        ]
    );
}

#[test]
fn a_file_formatted_in_slices_is_the_file_formatted_whole() {
    // Blocks as the root modules write them: attributes not indented, blank lines inside,
    // nested maps, comments to align, some blocks starting with another keyword.
    let mut text = String::from("# A comment at the top.\n# And another.\n");
    for i in 0..3000 {
        let keyword = if i % 7 == 0 { "output" } else { "module" };
        text.push_str(&format!(
            "\n{keyword} \"m_{i}\" {{\nsource = \"../modules/k\"\n\nname = \"n-{i}\"\ntags = {{\n\"cost-center\" = \"c\"\nteam = \"t{i}\"\n}}\n\nstorage_bytes = {} # {}Gi\nx = 1 # one\n}}\n",
            i * 1024,
            i
        ));
    }
    assert!(text.len() > 4 * SLICE, "{}", text.len());
    let whole = fmt(&text);
    let cut = slices(&text, &["module \"", "output \""]);
    assert!(cut.len() >= 4, "{} slices", cut.len());
    assert_eq!(cut.concat(), text);
    let each: Vec<String> = cut.iter().map(|s| fmt(s)).collect();
    assert!(each.join("\n") == whole, "the slices differ from the whole");
    assert!(format_sliced(&text, &["module \"", "output \""]).unwrap() == whole);
    // Cut only before the blocks named: before `output` blocks alone, fewer slices, same text.
    assert!(format_sliced(&text, &["output \""]).unwrap() == whole);
    // A heredoc is formatted whole.
    let heredoc = format!("{text}\nlocals {{\nx = <<EOT\n  a\n\nmodule \"y\" {{\nEOT\n}}\n");
    assert!(format_sliced(&heredoc, &["module \""]).unwrap() == fmt(&heredoc));
}

#[test]
fn names_strings_and_comments_beyond_ascii_format_like_terraform_fmt() {
    // The tokenizer reads bytes and decodes a character only where a name may start or go on:
    // alignment still counts characters, as `terraform fmt` does.
    let input = "locals {\n  café = \"naïve ${var.x} é\"   # commentaire é\n  b = \"\\u00e9\\\"é\"\n  日本 = 1\n}\n";
    let expected = "locals {\n  café = \"naïve ${var.x} é\" # commentaire é\n  b    = \"\\u00e9\\\"é\"\n  日本   = 1\n}\n";
    assert_eq!(fmt(input), expected);
}
