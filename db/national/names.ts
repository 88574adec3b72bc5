/** Word lists for the national dataset's fictional people and organisations. */

export const FIRST_NAMES = [
  'Amira', 'Ben', 'Chloe', 'David', 'Ella', 'Farah', 'George', 'Hannah', 'Imran', 'Jade', 'Kwame', 'Laura', 'Mohammed', 'Niamh',
  'Oliver', 'Priya', 'Qasim', 'Rosa', 'Sam', 'Tariq', 'Uma', 'Victor', 'Wendy', 'Xavier', 'Yasmin', 'Zoe', 'Aled', 'Bethan',
  'Callum', 'Deborah', 'Eilidh', 'Femi', 'Grace', 'Harjit', 'Isla', 'Jonah', 'Kemi', 'Leon', 'Maya', 'Nadia',
] as const

export const LAST_NAMES = [
  'Khan', 'Walker', 'Davies', 'Mensah', 'Carter', 'Rowe', 'Lee', 'Hussain', 'Morgan', 'Okafor', 'Hughes', 'Robson', 'Asante',
  'Evans', 'Thompson', 'Adeyemi', 'Marsh', 'Rossi', 'Patel', 'Smith', 'Jones', 'Taylor', 'Brown', 'Wilson', 'Ahmed', 'Begum',
  'Clarke', 'Edwards', 'Fraser', 'Green', 'Hall', 'Ibrahim', 'Jackson', 'Kaur', 'Lewis', 'Murphy', 'Nowak', "O'Brien",
  'Price', 'Singh',
] as const

export const TOWNS = [
  'Mitcham', 'Salford', 'Gateshead', 'Hackney', 'Bristol', 'Croydon', 'Sutton', 'Kingston', 'Leeds', 'Bradford', 'Sheffield',
  'Rotherham', 'Hull', 'York', 'Durham', 'Sunderland', 'Carlisle', 'Preston', 'Blackpool', 'Bolton', 'Wigan', 'Stockport',
  'Liverpool', 'Birkenhead', 'Chester', 'Stoke', 'Derby', 'Nottingham', 'Leicester', 'Lincoln', 'Grantham', 'Northampton',
  'Coventry', 'Walsall', 'Dudley', 'Wolverhampton', 'Shrewsbury', 'Telford', 'Hereford', 'Worcester', 'Norwich', 'Ipswich',
  'Colchester', 'Luton', 'Bedford', 'Cambridge', 'Peterborough', 'Watford', 'Harlow', 'Southend', 'Brighton', 'Hastings',
  'Maidstone', 'Canterbury', 'Guildford', 'Reading', 'Oxford', 'Swindon', 'Southampton', 'Portsmouth', 'Bournemouth', 'Exeter',
  'Plymouth', 'Truro', 'Taunton', 'Bath', 'Gloucester', 'Cheltenham', 'Barnstaple', 'Whitby', 'Kendal', 'Lancaster', 'Harrogate',
  'Scarborough', 'Doncaster', 'Barnsley', 'Wakefield', 'Huddersfield', 'Halifax', 'Oldham',
] as const

export const ACTIVITIES = [
  'Dementia Choir', 'Men’s Shed', 'Walk and Talk', 'Community Gardeners', 'Dance for Health', 'Food and Friendship Hub',
  'Walking Football', 'Stitch and Natter', 'Allotment Friends', 'Lunch Club', 'Singing for Breathing', 'Art for Wellbeing',
  'Green Gym', 'Reading Circle', 'Tea Dance', 'Cycling Club', 'Forest School for Adults', 'Pottery Studio', 'Ukulele Band',
  'Befriending Network', 'Chair Yoga', 'Photography Walks', 'Community Kitchen', 'Wild Swimming', 'Drumming Circle',
  'Memory Café', 'Craft Collective', 'Boxing for Parkinson’s', 'Repair Café', 'Heritage Walks', 'Beekeepers', 'Theatre Group',
  'Park Runners', 'Board Games Club', 'Orchard Keepers', 'Table Tennis Club', 'Poetry Group', 'Canal Volunteers',
  'Cooking Skills Club', 'Bowls Club',
] as const

export const FORMS = [
  'Group', 'CIC', 'Trust', 'Club', 'Network', 'Collective', 'Project', 'Society', 'Association', 'Partnership', 'Friends',
  'Foundation', 'Circle', 'Hub', 'Alliance', 'Co-operative',
] as const

export const STREETS = ['High Street', 'Mill Lane', 'Church Road', 'Station Road', 'Park Avenue', 'Market Place', 'Victoria Road', 'Chapel Street', 'Queen Street', 'Green Lane'] as const

export const ROLES_AT_ORGANISATION = ['Chair', 'Treasurer', 'Secretary', 'Director', 'Coordinator'] as const
