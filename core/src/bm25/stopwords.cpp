// The project's Indonesian stopword list: function words (conjunctions,
// prepositions, pronouns, particles, auxiliaries, question words, common
// adverbs and quantifiers) that carry little meaning for search. Written for
// indorerank; matched against lower-cased words before stemming.
#include <algorithm>
#include <string>
#include <vector>

#include "indorerank/bm25.hpp"

namespace indorerank {

const std::vector<std::string>& stopwords() {
  static const std::vector<std::string> words = [] {
    std::vector<std::string> w = {
        // conjunctions and connectives
        "dan", "atau", "serta", "tetapi", "tapi", "namun", "melainkan", "sedangkan", "padahal",
        "karena", "sebab", "sehingga", "maka", "agar", "supaya", "jika", "kalau", "apabila",
        "bila", "jikalau", "walaupun", "meskipun", "biarpun", "sambil", "sementara", "ketika",
        "saat", "setelah", "sesudah", "sebelum", "sejak", "hingga", "sampai", "lalu", "kemudian",
        "bahwa", "yaitu", "yakni", "adapun", "bahkan", "pun", "juga", "lagi", "pula",
        // prepositions
        "di", "ke", "dari", "pada", "kepada", "daripada", "dalam", "untuk", "bagi", "dengan",
        "oleh", "tentang", "terhadap", "antara", "akan", "demi", "tanpa", "menurut", "sekitar",
        "seperti", "sebagai", "melalui", "per",
        // pronouns and determiners
        "aku", "saya", "kami", "kita", "kamu", "anda", "engkau", "kalian", "dia", "ia", "beliau",
        "mereka", "ini", "itu", "tersebut", "sini", "situ", "sana", "begitu", "begini",
        "yang", "sang", "si", "para", "nya",
        // auxiliaries, modals and the copula
        "adalah", "ialah", "merupakan", "ada", "tidak", "tak", "bukan", "belum", "sudah", "telah",
        "sedang", "masih", "pernah", "harus", "boleh", "bisa", "dapat", "mau",
        "ingin", "perlu", "hendak", "jangan", "akan",
        // question words
        "apa", "apakah", "siapa", "siapakah", "mana", "manakah", "dimana", "kemana", "darimana",
        "bagaimana", "bagaimanakah", "mengapa", "kenapa", "kapan", "berapa", "berapakah",
        // particles
        "lah", "kah", "tah", "dong", "sih", "kok", "deh", "ya", "pun",
        // adverbs and quantifiers
        "sangat", "amat", "paling", "lebih", "kurang", "cukup", "terlalu", "agak", "hanya",
        "saja", "cuma", "semua", "segala", "setiap", "tiap", "beberapa", "banyak", "sedikit",
        "seluruh", "sebuah", "seorang", "suatu", "satu", "sesuatu", "hal", "cara", "secara",
        "tentu", "pasti", "mungkin", "sering", "selalu", "kadang", "biasanya", "sekali",
        "lain", "lainnya", "sama", "bersama", "tetap", "sendiri", "demikian", "sebagainya",
        "dll", "dsb", "dst", "yg", "dgn", "utk", "tsb",
    };
    std::sort(w.begin(), w.end());
    w.erase(std::unique(w.begin(), w.end()), w.end());
    return w;
  }();
  return words;
}

}  // namespace indorerank
