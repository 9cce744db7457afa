//! Word lists for the synthetic patient generator: names from many languages and
//! regions, written as they are (accents, hyphens, apostrophes), plus places.

pub const GIVEN_FEMALE: &[&str] = &[
    "Amara", "Chloé", "Fatima", "Ngozi", "Ana", "María José", "Sofía", "Ingrid", "Zoë", "Aiko",
    "Mei", "Priya", "Ananya", "Olga", "Agnieszka", "Hana", "Leila", "Chiamaka", "Wanjiru", "Émilie",
    "Björk", "Siobhán", "Maeve", "Yasmin", "Nour", "Dilnoza", "Thi Lan", "Kalani", "Ayasha", "Grace",
    "Mary", "Elizabeth", "Joyce", "Adaeze", "Tatiana", "Carmen", "Lucía", "Inês", "Giulia", "Freya",
    "Kerstin", "Żaneta", "Şebnem", "Gülşen", "Hyun-woo", "Ji-yeon", "Ayşe", "Zainab", "Aaliyah", "Keisha",
];

pub const GIVEN_MALE: &[&str] = &[
    "José", "João", "Mateo", "Chinedu", "Kwame", "Oluwaseun", "Mohammed", "Ahmad", "Rahul", "Arjun",
    "Wei", "Hiroshi", "Kenji", "Minh", "Dmitri", "Łukasz", "Piotr", "Søren", "Björn", "Jürgen",
    "François", "Olivier", "Seán", "Ciarán", "Liam", "Noah", "James", "Robert", "Michael", "David",
    "Tomás", "Álvaro", "Andrés", "Nikolaos", "Giorgos", "Mehmet", "Emre", "Tendai", "Kofi", "Baraka",
    "Tane", "Ikaika", "Diego", "Rafael", "Ravi", "Sanjay", "Yusuf", "Omar", "Jean-Luc", "D'Andre",
];

pub const FAMILY: &[&str] = &[
    "Okafor", "Adeyemi", "Mensah", "Kamau", "Otieno", "Nkosi", "Diallo", "Traoré", "Haile", "Abebe",
    "García", "Fernández", "López", "Martínez", "González", "Rodríguez", "Pérez", "Sánchez", "Gómez", "Muñoz",
    "Silva", "Santos", "Conceição", "Gonçalves", "Müller", "Schröder", "Weiß", "Groß", "Dubois", "Lefèvre",
    "Fontaine", "Rossi", "Bianchi", "Esposito", "Kowalski", "Wiśniewski", "Dąbrowski", "Nowak", "Novák", "Dvořák",
    "Ivanov", "Petrova", "Sokolov", "Kuznetsova", "Papadopoulos", "Yılmaz", "Öztürk", "Çelik", "Şahin", "Kaya",
    "Nguyễn", "Trần", "Lê", "Phạm", "Wang", "Li", "Zhang", "Chen", "Liu", "Kim",
    "Park", "Choi", "Tanaka", "Suzuki", "Satō", "Watanabe", "Sharma", "Patel", "Singh", "Gupta",
    "Khan", "Hussain", "Haddad", "Al-Farsi", "Nasser", "O'Brien", "O'Connor", "McCarthy", "Murphy", "Ó Súilleabháin",
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Anderson",
    "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Young", "Allen", "King", "Wright",
    "Andersson", "Johansson", "Nielsen", "Jensen", "Hansen", "Østergaard", "Virtanen", "Korhonen", "Jónsson", "Sigurðardóttir",
    "van der Berg", "de Vries", "Janssen", "Peeters", "Horvat", "Kovačević", "Popescu", "Nagy", "Szabó", "Tóth",
    "Kealoha", "Makoa", "Ngata", "Tūhoe", "Begay", "Yazzie", "Littlefeather", "Quispe", "Mamani", "Huamán",
];

pub const STREETS: &[&str] = &[
    "Main Street", "High Street", "Rua das Flores", "Calle Mayor", "Hauptstraße", "Rue de la Paix",
    "Moi Avenue", "Nkrumah Road", "Station Road", "Church Lane", "Avenida Paulista", "Via Roma",
    "Ulica Długa", "Oak Avenue", "Maple Drive", "Lakeview Terrace", "Harbour Road", "Market Square",
];

/// (city, region, ISO country code)
pub const CITIES: &[(&str, &str, &str)] = &[
    ("Nairobi", "Nairobi County", "KE"),
    ("Lagos", "Lagos State", "NG"),
    ("Accra", "Greater Accra", "GH"),
    ("Kampala", "Central", "UG"),
    ("São Paulo", "SP", "BR"),
    ("Lima", "Lima", "PE"),
    ("México", "CDMX", "MX"),
    ("Madrid", "Madrid", "ES"),
    ("Lyon", "Auvergne-Rhône-Alpes", "FR"),
    ("München", "Bayern", "DE"),
    ("Kraków", "Małopolskie", "PL"),
    ("Manchester", "Greater Manchester", "GB"),
    ("Cork", "Munster", "IE"),
    ("Springfield", "IL", "US"),
    ("Honolulu", "HI", "US"),
    ("Toronto", "ON", "CA"),
    ("Mumbai", "Maharashtra", "IN"),
    ("Hà Nội", "", "VN"),
    ("Auckland", "", "NZ"),
    ("Helsinki", "Uusimaa", "FI"),
];

pub const LANGUAGES: &[&str] = &["en", "en", "en", "es", "fr", "pt-BR", "sw", "de", "ar", "zh", "hi", "vi", "pl", "yo"];

pub const PAYERS: &[&str] = &[
    "National Health Insurance Fund",
    "Acme Mutual Health",
    "Blue Harbor Health Plan",
    "Sunrise Medical Aid",
    "Meridian Assurance",
    "Community Health Cooperative",
];

pub const RELATIONSHIPS: &[&str] = &["mother", "father", "spouse", "partner", "sibling", "child", "friend", "guardian"];
